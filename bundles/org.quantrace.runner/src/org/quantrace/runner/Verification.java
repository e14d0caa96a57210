package org.quantrace.runner;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.quantrace.dsl.validation.IssueCodes;
import org.quantrace.engine.IoErrors;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.Progress;
import org.quantrace.engine.SafeFiles;
import org.quantrace.model.ModelArtifacts;
import org.quantrace.model.QuantraceModel;
import org.quantrace.model.trace.DatasetRecord;
import org.quantrace.model.trace.InputFile;
import org.quantrace.model.trace.InputKind;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.report.EvidenceScope;
import org.quantrace.report.RunSummary;
import org.quantrace.runner.verify.DataFileCounts;
import org.quantrace.runner.verify.Evidence;
import org.quantrace.runner.verify.Mismatch;
import org.quantrace.runner.verify.Rederivation;

/**
 * Checks a run's output folder and the inputs it read against what the run recorded, and the documents'
 * figures against the files:
 * <ul>
 * <li>the folder, both ways: every file listed in SHA256SUMS and in the inventory (but the documents, which
 * name the inventory's hash), nothing listed missing, every hash equal; optionally the fingerprint the user
 * kept ({@code --expect});</li>
 * <li>the inputs where the trace says they were read, relative to the recipe's folder (found from the output
 * folder as it was, or given when the folder moved): recipe files, models and their external data, label
 * files, and every dataset file in the manifests, with files a dataset would now read but did not;</li>
 * <li>every figure results.json, the trace, report.html and the logs print about a model, re-derived from
 * the ONNX files ({@link Rederivation}); with {@code deep}, the evaluations and the debugger run again.</li>
 * </ul>
 * It reads nothing outside the folder but the recorded inputs: a listed path that leaves the folder is refused.
 */
public final class Verification {

	/** One mismatch: the file (or document) and what is wrong with it. */
	public record Problem(String file, String what) {
		@Override
		public String toString() {
			return file + ": " + what;
		}
	}

	/**
	 * What was checked and what did not match; notes say what was left out and why. {@code unchecked}: the documents verify could
	 * not hold whole against the trace's rendering, checked by their figures (or tables, or words) only: another version of
	 * Quantrace wrote the folder (the version the trace records), or a PDF has another number of pages or a chart its labels
	 * placed otherwise (another machine's fonts, or an edit: a page added to a PDF passed so); {@code bound}: the folder's
	 * fingerprint is the one given with --expect.
	 */
	/**
	 * @param unbound    what the folder's files could not bind and the fingerprint (--expect) did not either: said on verify's last line
	 * @param otherBuild that another build of Quantrace than this verify wrote the folder, which and why it matters, said before
	 *                   anything else; null when this build wrote it
	 */
	public record Result(int checked, List<Problem> problems, List<String> notes, List<String> unchecked, boolean bound, List<String> unbound,
			String otherBuild) {
		/** No mismatch found. */
		public boolean passed() {
			return problems.isEmpty();
		}

		/**
		 * No mismatch, and every document was checked whole: made again here, or bound by the fingerprint the user kept. A folder
		 * whose trace names another version (which a forger can write too: the version is a word of the files, not a signature),
		 * or a document laid out otherwise, had words unchecked; that is not verified, whatever the figures say.
		 */
		public boolean verified() {
			return passed() && (unchecked.isEmpty() || bound);
		}
	}

	/**
	 * @param recipe      where the recipe is now, when the output folder was moved away from it (null: where the trace says)
	 * @param expect      the fingerprint the user kept from {@code run} (null: none)
	 * @param outputsOnly check the folder alone, not the inputs
	 * @param deep        run the evaluations and the debugger again and require the same metrics and per-layer figures
	 */
	public record Options(Path recipe, String expect, boolean outputsOnly, boolean deep, Progress progress) {
		public static final Options DEFAULT = new Options(null, null, false, false, Progress.NONE);
	}

	/** Documents a trace may name: the only files the inventory does not list. */
	private static final Pattern DOCUMENT = Pattern.compile("trace\\.xmi|results\\.json|report\\.html|logs/[^/]+\\.(md|html|docx|pdf)");

	private final Path dir;
	private final TraceModel trace;
	private final Options options;
	private final List<Problem> problems = new ArrayList<>();
	private final List<String> notes = new ArrayList<>();
	/** SHA-256 of each file of the folder that was read, by relative path. */
	private final Map<String, String> hashes = new HashMap<>();
	private final Map<String, Path> originals = new HashMap<>();
	private Path recipeFile;
	private RecipeInputs recipeInputs;
	/** Documents not held whole against the trace's rendering (another version wrote them, or laid out otherwise). */
	private final List<String> unchecked = new ArrayList<>();
	/** What nothing verify read binds (see {@link Result#unbound}). */
	private final List<String> unbound = new ArrayList<>();
	/** The folder's fingerprint is the one the user gave with --expect. */
	private boolean bound;
	private int checked;

	private Verification(Path dir, TraceModel trace, Options options) {
		this.dir = dir;
		this.trace = trace;
		this.options = options;
	}

	public static Result verify(Path out) {
		return verify(out, Options.DEFAULT);
	}

	/** @throws InvalidInputException when {@code out} is not the output folder of a run (no folder, no or no readable trace.xmi) */
	public static Result verify(Path out, Options options) {
		Verification v = open(out, options);
		// tens of seconds on the example (the inputs' 1,300 images hashed, four logs made again, every model read), minutes on
		// large models: said as it goes, as every long step of run is
		try (Progress.Task task = options.progress().start("verifying (files, documents made again, inputs, figures from the models)", 4, "steps")) {
			v.folder();
			task.advance(1);
			v.asRendered();
			v.runtimeVersion();
			task.advance(1);
			v.inputs();
			v.coverage();
			v.conversions();
			v.warnings();
			task.advance(1);
			List<Mismatch> mismatches = Rederivation.check(new Evidence(v.dir, v.trace, v::modelFile, v.inventoryHash()));
			mismatches.forEach(m -> v.problems.add(new Problem(m.document(), m.toString())));
			task.advance(1);
		}
		if (options.deep()) {
			v.reevaluate();
		}
		v.scope();
		return new Result(v.checked, List.copyOf(new LinkedHashSet<>(v.problems)), List.copyOf(v.notes), List.copyOf(new LinkedHashSet<>(v.unchecked)), v.bound,
				List.copyOf(v.unbound), v.otherBuild());
	}

	/**
	 * That another build wrote the folder: the build its trace records (or that it records none, as builds before 2026-12-07) and
	 * this one. Two builds may name one Quantrace version (a bundle not rebuilt keeps its qualifier), and a verify of the other's
	 * folder then found mismatches in the Evidence lines one of them words otherwise with nothing saying why (hostile19). verify
	 * stays as strict: this says what a mismatch may come from, not that it is excused; the build is a word of the files too, so
	 * only the build that wrote the folder, or --expect, tells the two apart. It says which documents were not held whole (another
	 * version's wording, checked by figures only): "checked as strictly as ever" said more than verify did there (hostile21).
	 */
	private String otherBuild() {
		String ours = BuildIdentity.current();
		String recorded = trace.getEnvironment() == null ? null : trace.getEnvironment().getBuild();
		if (ours.equals(recorded)) {
			return null;
		}
		String version = trace.getEnvironment() == null ? null
				: trace.getEnvironment().getTools().stream().filter(t -> "Quantrace".equals(t.getName())).map(t -> t.getVersion()).findFirst().orElse(null);
		return "written by another build of Quantrace than this verify: " + (recorded == null ? "a build that recorded no build identity (one before"
				+ " 2026-12-07)" : "build " + recorded) + (version == null ? "" : ", which names its version " + version) + "; this verify is build " + ours
				+ " (version " + org.quantrace.engine.Versions.quantrace() + "). Its figures were checked as this build checks its own folders, and its"
				+ " documents made again from its trace and held whole" + (unchecked.isEmpty() ? "" : ", except " + String.join(", ", new LinkedHashSet<>(unchecked))
						+ ", not held whole (the notes below say what of them was checked)")
				+ ": where the two builds word a document or check a figure differently, a mismatch below comes from that and not from an edit."
				+ " To tell the two apart, verify the folder with the build that wrote it, or give --expect the fingerprint its run printed";
	}

	/**
	 * The files of output folder {@code out} against its SHA256SUMS and INVENTORY.sha256, both ways (a file changed, added or
	 * missing), and nothing else: what merge requires of a shard before it copies anything, since the merged folder's new
	 * lists vouch for every file copied.
	 *
	 * @throws InvalidInputException when {@code out} is not the output folder of a run
	 */
	public static List<Problem> files(Path out) {
		Verification v = open(out, Options.DEFAULT);
		v.folder();
		return List.copyOf(new LinkedHashSet<>(v.problems));
	}

	private static Verification open(Path out, Options options) {
		if (!Files.isDirectory(out)) {
			throw new InvalidInputException(out + ": not a folder", "give the output folder of quantrace run (quantrace-out/RECIPE by default)");
		}
		Path dir;
		try {
			dir = out.toRealPath(); // the folder the user named, wherever a link to it points; links inside it are not followed
		} catch (IOException e) {
			throw new InvalidInputException(out + ": cannot be read (" + IoErrors.describe(e) + ")", "check the folder is readable");
		}
		Path file = dir.resolve(Outputs.TRACE);
		if (Files.isSymbolicLink(file)) { // a run writes no link: what it points at is outside what the folder's lists vouch for
			throw new InvalidInputException(out + ": its " + Outputs.TRACE + " is a symbolic link, which a run never writes; verify does not follow it",
					"give the folder quantrace run wrote, its trace.xmi a file of its own");
		}
		if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) && OutputOwnership.isDebugOutput(dir)) {
			// it is a Quantrace output folder, debug's: "not a Quantrace output folder" left the user doubting the folder
			throw new InvalidInputException(out + ": is an output folder of quantrace debug (its " + OutputOwnership.MARKER + " says so), which records no run:"
					+ " verify checks the folder of a run (its " + Outputs.TRACE + ")", "check debug's files against its list: (cd " + org.quantrace.runner.ShellWord.quote(out.toString())
							+ " && sha256sum -c " + Outputs.SUMS + "); a recipe's debug step is verified with its run's folder");
		}
		if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
			throw new InvalidInputException(out + ": not a Quantrace output folder (it has no " + Outputs.TRACE + ")",
					"give the folder quantrace run wrote (quantrace-out/RECIPE by default)");
		}
		TraceModel trace;
		try {
			trace = QuantraceModel.loadTrace(file);
		} catch (IOException | RuntimeException e) { // EMF reports malformed XML as wrapped runtime exceptions
			String wrote = writer(file);
			if (wrote != null && !wrote.equals(org.quantrace.engine.Versions.quantrace())) {
				throw new InvalidInputException(file + ": written by Quantrace " + wrote + ", whose trace this Quantrace (" + org.quantrace.engine.Versions.quantrace()
						+ ") cannot read (" + firstLine(e) + ")", "verify the folder with Quantrace " + wrote + " or a later version; it is not shown damaged: do not"
								+ " run the recipe into it again, which would replace it");
			}
			throw new InvalidInputException(file + ": not a readable Quantrace trace (" + firstLine(e) + ")",
					"the trace is damaged or not Quantrace's: nothing in this folder can be checked; run the recipe again");
		}
		return new Verification(dir, trace, options);
	}

	/**
	 * The Quantrace version a trace this version cannot load names in its environment, read from its text; null when it names
	 * none. A folder a later version wrote (a trace feature this one lacks) was "damaged or not Quantrace's ... run the recipe
	 * again" (hostile8: main's verify of 05:32 on a folder of 23:35): the user was sent to replace sound evidence.
	 */
	private static String writer(Path trace) {
		try (java.io.InputStream in = Files.newInputStream(trace)) {
			String head = new String(in.readNBytes(1 << 16), StandardCharsets.UTF_8);
			java.util.regex.Matcher m = Pattern.compile("<tools name=\"Quantrace\" version=\"([^\"]+)\"").matcher(head);
			return m.find() ? m.group(1) : null;
		} catch (IOException e) {
			return null;
		}
	}

	// ------------------------------------------------------------------ the folder

	private void folder() {
		Set<String> files = files();
		Map<String, String> sums = list(Outputs.SUMS, files);
		if (options.expect() != null) { // the one value the user kept outside the folder: it binds every file
			String fingerprint = files.contains(Outputs.SUMS) ? hash(Outputs.SUMS) : "missing";
			bound = fingerprint.equalsIgnoreCase(options.expect().trim());
			if (!bound) {
				problems.add(new Problem(Outputs.SUMS, "the folder's fingerprint is " + fingerprint + ", not the " + options.expect().trim()
						+ " you kept: files were changed, added or removed since"));
			}
		}
		Set<String> documents = documents();
		Map<String, String> inventory = list(Outputs.INVENTORY, files);
		for (String f : files) {
			if (!sums.containsKey(f) && !f.equals(Outputs.SUMS) && files.contains(Outputs.SUMS)) {
				problems.add(new Problem(f, "not in " + Outputs.SUMS + ": added after the run, or its line was removed"));
			}
			boolean document = documents.contains(f) || f.equals(Outputs.SUMS) || f.equals(Outputs.INVENTORY);
			if (!document && !inventory.containsKey(f) && files.contains(Outputs.INVENTORY)) {
				problems.add(new Problem(f, "not in " + Outputs.INVENTORY + ": added after the run, or its line was removed"));
			}
		}
		documents.stream().filter(d -> !files.contains(d)).forEach(d -> problems.add(new Problem(d, "missing: the trace names it as written from it")));
		recordedFiles(files);
		shards(files, documents);
	}

	/**
	 * A merged folder against the shards the trace says it was made from ({@link Merger}): shards 1..n of one n, each once; each
	 * shard's SHA256SUMS as merge kept it (shards/i-of-n.SHA256SUMS) has the fingerprint the trace records for it; and every file
	 * merge copied (all but the documents made from the merged trace, its two lists and the kept lists) is listed by a shard with
	 * the SHA-256 it has. The fingerprints are said in a note: held against the ones the shards' runs printed, they bind the
	 * merged folder to those runs as --expect binds a run's folder. A shard's folder is said to be one.
	 */
	private void shards(Set<String> files, Set<String> documents) {
		if (!trace.getOnlySchemes().isEmpty()) {
			notes.add("run with --only " + String.join(", ", trace.getOnlySchemes()) + ": the recipe's other schemes were not run (its logs say so)");
		}
		List<org.quantrace.model.trace.ShardRecord> recorded = trace.getMergedShards();
		if (recorded.isEmpty()) {
			problems.addAll(RunShareCheck.oneRun(trace, files));
			if (trace.getShard() != null && !trace.getShard().isEmpty()) {
				notes.add("shard " + trace.getShard() + " of a run (run --shard): it holds that share of the run's pipelines only; quantrace merge joins all of them");
			}
			return;
		}
		int n = recorded.get(0).getCount();
		List<Integer> indices = recorded.stream().map(org.quantrace.model.trace.ShardRecord::getIndex).sorted().toList();
		boolean whole = recorded.stream().allMatch(r -> r.getCount() == n) && indices.equals(java.util.stream.IntStream.rangeClosed(1, n).boxed().toList());
		if (!whole) {
			problems.add(new Problem(Outputs.TRACE, "records a merge of shards " + String.join(", ", recorded.stream().map(r -> r.getIndex() + "/" + r.getCount()).toList())
					+ ": merge joins shards 1..n of one run, each once"));
		}
		Map<String, List<String>> listed = new HashMap<>(); // path -> "hash shard" of every shard that lists it
		for (org.quantrace.model.trace.ShardRecord r : recorded) {
			String shard = r.getIndex() + "/" + r.getCount();
			String path = r.getSumsPath();
			if (path == null || !plain(path) || !path.startsWith(Merger.SHARDS + "/") || !files.contains(path)) {
				problems.add(new Problem(Outputs.TRACE, "shard " + shard + "'s SHA256SUMS: " + (path == null ? "not named" : "'" + path + "' is not a file of the folder")));
				continue;
			}
			if (!hash(path).equalsIgnoreCase(String.valueOf(r.getFingerprint()))) {
				problems.add(new Problem(path, "SHA-256 is " + hash(path) + ", where " + Outputs.TRACE + " records shard " + shard + "'s fingerprint "
						+ r.getFingerprint() + ": the shard's list was changed after the merge"));
			}
			try {
				for (String line : Files.readAllLines(dir.resolve(path), StandardCharsets.UTF_8)) {
					if (line.matches("[0-9a-f]{64}  .+")) {
						listed.computeIfAbsent(line.substring(66), k -> new ArrayList<>()).add(line.substring(0, 64) + " " + shard);
					}
				}
			} catch (IOException e) {
				problems.add(new Problem(path, "unreadable (" + IoErrors.describe(e) + ")"));
			}
		}
		for (String f : files) {
			if (documents.contains(f) || f.equals(Outputs.SUMS) || f.equals(Outputs.INVENTORY) || f.startsWith(Merger.SHARDS + "/")) {
				continue;
			}
			List<String> by = listed.get(f);
			if (by == null) {
				problems.add(new Problem(f, "in no shard's SHA256SUMS: merge copies only what its shards hold"));
			} else if (by.stream().noneMatch(h -> h.startsWith(hash(f) + " "))) {
				problems.add(new Problem(f, "SHA-256 is " + hash(f) + ", where shard " + by.get(0).substring(65) + "'s SHA256SUMS lists " + by.get(0).substring(0, 64)
						+ ": changed after the shard's run"));
			}
		}
		notes.add("merged from shards " + String.join(", ", recorded.stream().map(r -> r.getIndex() + "/" + r.getCount() + " (fingerprint " + r.getFingerprint() + ")").toList())
				+ ": each copied file was checked against its shard's list, each list against that fingerprint; compare them with the fingerprints the shards' runs printed");
	}

	/**
	 * The pipelines the trace holds against the recipe's, for the share it says ({@link RunShareCheck#coverage}): the recipe verify
	 * read, else (--outputs-only, or the recipe not where the trace says) the folder's copy of it ({@link #copiedRecipe}), said in a
	 * note. Before, a folder checked without its recipe was not held against any: an assessor given the folder alone did not get
	 * this check.
	 */
	private void coverage() {
		RecipeContext ctx = recipeInputs == null ? null : recipeInputs.context();
		if (ctx == null) {
			ctx = copiedRecipe();
		}
		problems.addAll(RunShareCheck.coverage(ctx, trace));
		problems.addAll(RecipeDeclarationsCheck.check(ctx, trace));
	}

	/**
	 * Each conversion's check made again ({@link ConversionRecheck}). It runs the original model, an input of the run that the folder
	 * does not hold: without the inputs, a note says it was not made and what that leaves unbound, and so does the last line unless
	 * --expect binds the folder. Nothing of the folder can stand in for the original: the trace records its hash and size, not its
	 * weights, and the conversion's figure needs both models on the run's data. A converted model edited after the run together with
	 * the models quantized from it (a moved Conv tap in both, every hash and list recomputed) passed --outputs-only without a word.
	 */
	private void conversions() {
		if (recipeInputs != null && recipeInputs.context() != null) {
			problems.addAll(ConversionRecheck.check(recipeInputs.context(), trace, this::modelFile));
		} else if (!trace.getConversions().isEmpty()) {
			int n = trace.getConversions().size();
			notes.add("conversion checks not made again (" + n + "): they run the original model on the run's verification data,"
					+ " inputs of the run " + (options.outputsOnly() ? "not read with --outputs-only" : "verify could not read") + ". Nothing in the folder"
					+ " binds a converted model to its original (the trace records the original's SHA-256, not its weights): a converted model edited"
					+ " together with the models made from it, every hash recomputed, is not found this way; give --recipe RECIPE.qr where it is now,"
					+ " or --expect with the fingerprint the run printed");
			if (!bound) {
				unbound.add(n + " converted model" + (n == 1 ? "" : "s") + " to " + (n == 1 ? "its original" : "their originals"));
			}
		}
	}

	/**
	 * The recipe as the folder's copy of it (recipe/, {@link org.quantrace.report.AifsmLogs#recipeCopy}) holds it: each recipe file the
	 * trace records must be there with the SHA-256 the trace records (else the copy is not used, a mismatch), and is written to a
	 * temporary folder under the path the run read it by, so that imports resolve as they did (an import from "../" included). The
	 * models and data are not there: only the checks that need the recipe's text use it. Null when there is none to use.
	 */
	private RecipeContext copiedRecipe() {
		List<InputFile> files = trace.getInputFiles().stream().filter(i -> i.getKind() == InputKind.RECIPE || i.getKind() == InputKind.IMPORT).toList();
		InputFile recipe = files.stream().filter(i -> i.getKind() == InputKind.RECIPE).findFirst().orElse(null);
		if (recipe == null) {
			return null;
		}
		Path temp = null;
		try {
			temp = Files.createTempDirectory("quantrace-recipe-copy");
			int up = 0;
			for (InputFile i : files) {
				up = Math.max(up, i.getPath() == null ? 0 : (int) Stream.of(i.getPath().split("/")).takeWhile(".."::equals).count());
			}
			Path base = temp;
			for (int k = 0; k < up; k++) {
				base = base.resolve("up" + k);
			}
			for (InputFile i : files) {
				String copy = i.getPath() == null ? "" : org.quantrace.report.AifsmLogs.recipeCopy(i.getPath());
				Path target = i.getPath() == null || Path.of(i.getPath()).isAbsolute() ? null : base.resolve(i.getPath()).normalize();
				if (!plain(copy) || target == null || !target.startsWith(temp) || !target.getFileName().toString().endsWith(".qr")
						|| !Files.isRegularFile(dir.resolve(copy), LinkOption.NOFOLLOW_LINKS)) {
					problems.add(new Problem(Outputs.TRACE, "records recipe file '" + i.getPath() + "', whose copy " + copy + " is not a file of the folder: the checks"
							+ " that need the recipe were not made"));
					return null;
				}
				byte[] bytes = Files.readAllBytes(dir.resolve(copy));
				String actual = SafeFiles.sha256(bytes);
				if (!actual.equalsIgnoreCase(String.valueOf(i.getSha256()))) {
					problems.add(new Problem(copy, "SHA-256 is " + actual + ", where " + Outputs.TRACE + " records " + i.getSha256() + " for the recipe file the run read: "
							+ "not used, so the checks that need the recipe were not made"));
					return null;
				}
				Files.createDirectories(target.getParent());
				Files.write(target, bytes);
			}
			RecipeContext ctx = RecipeInputs.copy(base.resolve(recipe.getPath()).normalize());
			if (ctx == null) {
				problems.add(new Problem(org.quantrace.report.AifsmLogs.recipeCopy(recipe.getPath()), "the recipe's copy does not load: the checks that need the recipe were not made"));
				return null;
			}
			notes.add("the pipelines were held against the recipe's copy in the folder, " + org.quantrace.report.AifsmLogs.recipeCopy(recipe.getPath())
					+ (files.size() > 1 ? " (and its " + (files.size() - 1) + " imports)" : "") + ", with the SHA-256 the trace records for the recipe the run read"
					+ " (the recipe itself " + (options.outputsOnly() ? "not read: --outputs-only)" : recipeInputs == null ? "not found)" : "does not load)"));
			return ctx;
		} catch (IOException e) {
			problems.add(new Problem("recipe", "the recipe's copy cannot be read (" + IoErrors.describe(e) + "): the checks that need the recipe were not made"));
			return null;
		} finally {
			if (temp != null) {
				try (Stream<Path> walk = Files.walk(temp)) {
					walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
				} catch (IOException e) {
					// a temporary folder left behind
				}
			}
		}
	}

	/**
	 * results.json, every log and report.html are made from the trace alone ({@link Outputs#writeAll}; the report also lists the
	 * logs' names): made again here, each must be
	 * the file in the folder byte for byte (a DOCX and a PDF: their text, since POI's numbering and the PDF's fonts vary). The figure checks read
	 * the rows they know; a sentence added to a log, a template row edited (the lifecycle phase, the technique, the
	 * objective), a warning struck out of a cell passed them with every hash recomputed. A folder written by another
	 * version of Quantrace renders differently: then a difference is said in a note, not taken for a forgery.
	 */
	private void asRendered() {
		Map<String, byte[]> expected = new LinkedHashMap<>();
		Map<String, byte[]> charts = new LinkedHashMap<>();
		try {
			expected.put(Outputs.RESULTS, ResultsJson.of(trace).getBytes(StandardCharsets.UTF_8));
			org.quantrace.report.AifsmLogs.rendered(trace, true).forEach((name, bytes) -> expected.put("logs/" + name, bytes));
			expected.put(Outputs.REPORT, org.quantrace.report.RunReport.render(trace, dir).getBytes(StandardCharsets.UTF_8));
			charts.putAll(debugCharts());
			expected.putAll(charts);
		} catch (RuntimeException e) { // a trace edited into a shape no run writes
			problems.add(new Problem(Outputs.TRACE, "its documents cannot be made from it again (" + firstLine(e) + "): the trace is not as a run wrote it"));
			return;
		}
		String wrote = trace.getEnvironment() == null ? null
				: trace.getEnvironment().getTools().stream().filter(t -> "Quantrace".equals(t.getName())).map(t -> t.getVersion()).findFirst().orElse(null);
		boolean sameVersion = org.quantrace.engine.Versions.quantrace().equals(wrote);
		// another version's wording is excused only where nothing contradicts the version the trace records: an edited version
		// must not turn mismatches into a note
		List<Problem> versionEdited = sameVersion ? List.of() : versionContradictions(wrote);
		problems.addAll(versionEdited);
		boolean strict = sameVersion || !versionEdited.isEmpty();
		List<String> differing = new ArrayList<>();
		for (Map.Entry<String, byte[]> e : expected.entrySet()) {
			String name = e.getKey();
			Path file = dir.resolve(name);
			if (!trace.getDocuments().contains(name) && !charts.containsKey(name) || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
				continue; // the folder check reports a document or chart missing, or a document the trace does not name
			}
			String difference;
			String hidden = null;
			try {
				byte[] actual = Files.readAllBytes(file);
				difference = Rendering.difference(name, actual, e.getValue());
				// text covered, clipped or replaced is no version's or machine's wording: a mismatch of a PDF another version wrote, or
				// laid out otherwise, too (where its text differs, Rendering compared no further)
				hidden = difference == null || !name.endsWith(".pdf") ? null
						: difference.contains(PdfBesideText.HIDDEN) ? difference : PdfBesideText.hidden(actual, e.getValue());
			} catch (IOException x) {
				difference = "unreadable (" + IoErrors.describe(x) + ")";
			}
			if (difference == null) {
				continue;
			}
			// another machine's fonts, or an edit (a page with a sentence added to a PDF log read so): not verified unless bound
			if (difference.startsWith(Rendering.LAYOUT) && name.endsWith(".svg")) {
				unchecked.add(name);
				notes.add(name + ": " + difference + " (this machine's fonts are not the run's?): its words and numbers were checked, not where its lines run"
						+ (bound ? "" : ": not verified unless --expect binds it"));
			} else if (difference.startsWith(Rendering.LAYOUT)) {
				unchecked.add(name);
				notes.add(name + ": " + difference + " (this machine's fonts are not the run's?): its text was checked by its tables only"
						+ (bound ? "" : ": not verified unless --expect binds it"));
			} else if (strict) {
				problems.add(new Problem(name, "is not the document the trace makes: " + difference
						+ " (every byte of it is made from " + Outputs.TRACE + ": it or the trace was edited after the run)"));
				hidden = hidden == difference ? null : hidden; // said
			} else {
				differing.add(name);
			}
			if (hidden != null) {
				problems.add(new Problem(name, "hides text, which no version of Quantrace does: " + hidden.replace("its text is the trace's, but its ", "its ")));
			}
		}
		if (!differing.isEmpty()) {
			unchecked.addAll(differing);
			notes.add("written by Quantrace " + wrote + ", checked by " + org.quantrace.engine.Versions.quantrace() + ", which makes "
					+ String.join(", ", differing) + " differently from the trace: those were checked by their figures only, not their words"
					+ (bound ? " (the fingerprint you kept binds them)" : "; the version is a word of the files, which anyone can write: not verified"
							+ " unless --expect gives the fingerprint its run printed, or Quantrace " + wrote + " verifies it"));
		}
	}

	/**
	 * What binds the Quantrace version a folder says wrote it ({@code wrote}, the trace's environment): every version the trace
	 * records of Quantrace (its environment's, each record's framework and packages, all set from one run) and every version a
	 * document names ("Quantrace 0.1.0.v..." in the logs' framework and packages rows, in each format: Markdown, HTML, the DOCX's
	 * and the PDF's text). A folder another version wrote names that version throughout; the trace's version edited alone (or with
	 * the Markdown) leaves the others naming the version that made them. Each contradiction is a mismatch, and then every
	 * document that differs from the trace's rendering is one too (hostile3's left open: an edited version made verify
	 * note "written by another version" instead of the edits).
	 */
	private List<Problem> versionContradictions(String wrote) {
		List<Problem> found = new ArrayList<>();
		Set<String> recorded = new java.util.TreeSet<>();
		trace.eAllContents().forEachRemaining(o -> {
			if (o instanceof org.quantrace.model.trace.ToolVersion t && "Quantrace".equals(t.getName()) && !java.util.Objects.equals(t.getVersion(), wrote)) {
				recorded.add(String.valueOf(t.getVersion()));
			}
		});
		if (!recorded.isEmpty()) {
			found.add(new Problem(Outputs.TRACE, "records Quantrace " + wrote + " as the version that wrote it, and " + String.join(", ", recorded)
					+ " in its records: one run has one version, so the version was edited after the run"));
		}
		for (String name : trace.getDocuments()) {
			Path file = dir.resolve(name);
			if (!DOCUMENT.matcher(name).matches() || name.equals(Outputs.TRACE) || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
				continue;
			}
			String other;
			try {
				byte[] bytes = Files.readAllBytes(file);
				String text = name.endsWith(".md") || name.endsWith(".html") || name.endsWith(".docx") || name.endsWith(".pdf")
						? org.quantrace.report.LogReader.text(name, bytes) : new String(bytes, StandardCharsets.UTF_8);
				other = otherVersion(org.quantrace.report.LogReader.squeeze(text), wrote == null ? null : org.quantrace.report.LogReader.squeeze(wrote));
			} catch (IOException | RuntimeException e) {
				continue; // an unreadable document is found as not the document the trace makes
			}
			if (other != null) {
				found.add(new Problem(name, "names Quantrace " + other + " as the version that made it, where " + Outputs.TRACE + " records " + wrote
						+ ": a document names the version the trace records, so the trace's version (or this document) was edited after the run"));
			}
		}
		return found;
	}

	/**
	 * The ONNX Runtime a Quantrace build ships is one jar: a trace this very version of Quantrace wrote records the ONNX Runtime
	 * verify runs on, on whatever machine it ran. A trace and its logs edited to name another (1.30.0 for 1.29.0), every document
	 * made again and SHA256SUMS re-sealed, passed. Another version's folder is not judged so (it may ship another runtime).
	 */
	private void runtimeVersion() {
		String wrote = trace.getEnvironment() == null ? null
				: trace.getEnvironment().getTools().stream().filter(t -> "Quantrace".equals(t.getName())).map(t -> t.getVersion()).findFirst().orElse(null);
		String ours = org.quantrace.engine.runtime.InferenceSession.runtimeVersion();
		if (!org.quantrace.engine.Versions.quantrace().equals(wrote)) {
			return;
		}
		Set<String> recorded = new java.util.TreeSet<>();
		trace.eAllContents().forEachRemaining(o -> {
			if (o instanceof org.quantrace.model.trace.ToolVersion t && TraceAssembler.ONNX_RUNTIME.equals(t.getName()) && !ours.equals(t.getVersion())) {
				recorded.add(String.valueOf(t.getVersion()));
			}
		});
		if (!recorded.isEmpty()) {
			problems.add(new Problem(Outputs.TRACE, "records " + TraceAssembler.ONNX_RUNTIME + " " + String.join(", ", recorded) + ", where Quantrace " + wrote
					+ ", the version that wrote it and checks it now, ships ONNX Runtime " + ours + ": the version was edited after the run"));
		}
	}

	/**
	 * The first version other than {@code version} that text {@code squeezed} (whitespace removed) names after "Quantrace", as
	 * far as can be told without spaces ({@code version}'s length, and the digits after it); null when it names none other.
	 */
	static String otherVersion(String squeezed, String version) {
		for (int i = squeezed.indexOf("Quantrace"); i >= 0; i = squeezed.indexOf("Quantrace", i + 1)) {
			int at = i + "Quantrace".length();
			if (at >= squeezed.length() || !Character.isDigit(squeezed.charAt(at))) {
				continue; // "Quantrace freeze", "Quantrace example": no version
			}
			int end = version == null ? at : at + version.length();
			if (version != null && squeezed.startsWith(version, at) && (end >= squeezed.length() || !Character.isDigit(squeezed.charAt(end)))) {
				continue;
			}
			int to = Math.min(squeezed.length(), Math.max(end, at + 8));
			while (to < squeezed.length() && Character.isDigit(squeezed.charAt(to))) {
				to++;
			}
			return squeezed.substring(at, to);
		}
		return null;
	}

	/**
	 * The debugger's charts (debug/MODEL/SCHEME/debug_METRIC.svg) drawn again from the trace's debug records, by path: they were
	 * bound by the checksums alone, so a chart redrawn with other figures passed once SHA256SUMS and INVENTORY.sha256 were
	 * recomputed (hostile3's left open). debug.csv is held against the same record ({@code verify.DebugCheck}).
	 */
	private Map<String, byte[]> debugCharts() {
		Map<String, byte[]> charts = new LinkedHashMap<>();
		for (org.quantrace.model.trace.DebugRecord d : trace.getDebugRecords()) {
			String csv = d.getCsvPath();
			int slash = csv == null ? -1 : csv.lastIndexOf('/');
			if (slash < 0 || !plain(csv)) {
				continue;
			}
			String folder = csv.substring(0, slash);
			String model = folder.substring(folder.lastIndexOf('/') + 1);
			org.quantrace.report.DebugCharts.charts(d, model).forEach((file, svg) -> charts.put(folder + "/" + file, svg.getBytes(StandardCharsets.UTF_8)));
		}
		return charts;
	}

	/** Every regular file of the folder, relative; a symbolic link is a problem, never followed. */
	private Set<String> files() {
		Set<String> files = new java.util.TreeSet<>();
		try (Stream<Path> all = Files.walk(dir)) { // does not follow links
			for (Path p : all.toList()) {
				if (Files.isSymbolicLink(p)) {
					problems.add(new Problem(relative(p), "a symbolic link: a run writes none, and verify does not follow it"));
				} else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
					files.add(relative(p));
				} else if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) { // reading a named pipe would wait for a writer
					problems.add(new Problem(relative(p), "not a file or folder (a named pipe, socket or device): a run writes none, and verify does not read it"));
				}
			}
		} catch (IOException e) {
			throw new InvalidInputException(dir + ": cannot be listed (" + IoErrors.describe(e) + ")", "check the folder is readable");
		}
		return files;
	}

	/** The documents the trace says were written from it: only names a run writes, inside the folder. */
	private Set<String> documents() {
		Set<String> documents = new LinkedHashSet<>();
		for (String d : trace.getDocuments()) {
			if (DOCUMENT.matcher(d).matches()) {
				documents.add(d);
			} else {
				problems.add(new Problem(Outputs.TRACE, "names '" + d + "' as a document made from it: no run writes such a document"));
			}
		}
		return documents;
	}

	/** The models and manifests the trace records in the folder are there, the manifests with the recorded hash. */
	private void recordedFiles(Set<String> files) {
		for (ModelArtifact a : trace.getArtifacts()) {
			if (!ModelArtifacts.isInput(a) && !files.contains(a.getPath())) {
				problems.add(new Problem(a.getPath(), "missing: the trace records it as model " + a.getId()));
			}
		}
		for (DatasetRecord d : trace.getDatasets()) {
			String m = d.getManifestPath();
			if (m != null && (!files.contains(m) || !hash(m).equals(d.getManifestSha256()))) {
				problems.add(new Problem(m, files.contains(m) ? "SHA-256 is " + hash(m) + ", the trace records " + d.getManifestSha256() : "missing"));
			}
		}
	}

	/** Reads a "sha256  path" list of the folder and checks its entries; a path leaving the folder is refused, not read. */
	/** The largest SHA256SUMS or inventory verify reads: a million files' lines of 256 bytes. */
	private static final long MAX_LIST_BYTES = 256L << 20;

	private Map<String, String> list(String name, Set<String> files) {
		Map<String, String> entries = new LinkedHashMap<>();
		if (!files.contains(name)) {
			problems.add(new Problem(name, "missing: " + (name.equals(Outputs.SUMS) ? "it lists every file's SHA-256 and is the fingerprint --expect holds; no file is vouched for without it"
					: "it lists every model and data file's SHA-256 and the documents name its hash; those files are vouched for by SHA256SUMS alone")));
			return entries;
		}
		List<String> lines;
		try {
			long size = Files.size(dir.resolve(name));
			if (size > MAX_LIST_BYTES) { // read whole it could exhaust memory: a run's lists are some hundred bytes a file
				problems.add(new Problem(name, String.format(java.util.Locale.ROOT, "%,d bytes, more than any run writes (%,d at most): not read, so it vouches for no file",
						size, MAX_LIST_BYTES)));
				return entries;
			}
			lines = Files.readAllLines(dir.resolve(name), StandardCharsets.UTF_8);
		} catch (java.nio.charset.CharacterCodingException e) {
			problems.add(new Problem(name, "not text (not UTF-8): a run writes lines 'SHA-256  path'; not read, so it vouches for no file"));
			return entries;
		} catch (IOException e) {
			problems.add(new Problem(name, "unreadable (" + IoErrors.describe(e) + ")"));
			return entries;
		}
		for (int i = 0; i < lines.size(); i++) {
			String line = lines.get(i);
			String path = line.length() > 66 ? line.substring(66) : "";
			if (!line.matches("[0-9a-f]{64}  .+")) {
				problems.add(new Problem(name, "line " + (i + 1) + " is not 'SHA-256  path': " + abbreviate(line)));
			} else if (!plain(path)) {
				problems.add(new Problem(name, "line " + (i + 1) + " names '" + path + "', outside the folder: refused, not read"));
			} else if (entries.put(path, line.substring(0, 64)) != null) {
				problems.add(new Problem(name, "line " + (i + 1) + " lists " + path + " a second time"));
			} else if (!files.contains(path)) {
				problems.add(new Problem(path, "missing: listed in " + name));
			} else if (!hash(path).equals(entries.get(path))) {
				problems.add(new Problem(path, "SHA-256 is " + hash(path) + ", " + name + " says " + entries.get(path)));
			}
		}
		return entries;
	}

	/** A path inside the folder as a run writes it: relative, forward slashes, no "." or ".." segment. */
	static boolean plain(String path) {
		if (path.isEmpty() || path.startsWith("/") || path.contains("\\") || path.contains("\0") || path.matches("^[A-Za-z]:.*")) {
			return false;
		}
		for (String segment : path.split("/", -1)) {
			if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
				return false;
			}
		}
		return true;
	}

	/**
	 * Which checks re-derive each kind of figure {@link EvidenceScope} says verify re-derives (class names: most are package-private).
	 * A test holds the two against each other: an entry added to the documents' statement without a check here fails it, and
	 * a run's own statement (dates, machine, latencies) has none.
	 */
	public static final Map<EvidenceScope, List<String>> CHECKED_BY = Map.ofEntries(
			Map.entry(EvidenceScope.MODEL_FILES, List.of(Verification.class.getName(), "org.quantrace.runner.verify.TraceCheck", "org.quantrace.runner.verify.ModelFacts",
					"org.quantrace.runner.verify.FoundQuantization")),
			Map.entry(EvidenceScope.QUANTIZATION, List.of("org.quantrace.runner.verify.TraceCheck", "org.quantrace.runner.verify.SchemeFacts",
					"org.quantrace.runner.verify.RewrittenParameterCounts", "org.quantrace.runner.verify.ChannelScales", "org.quantrace.runner.verify.WeightCodes",
					"org.quantrace.runner.verify.LstmCodes", "org.quantrace.runner.verify.CorrectedBiases", "org.quantrace.runner.verify.OptimizationLogCheck",
					"org.quantrace.runner.verify.BodyReaders", "org.quantrace.runner.verify.StemReaders", "org.quantrace.runner.verify.StemInputScaling", "org.quantrace.runner.QuantizerWarnings",
					"org.quantrace.runner.verify.FeatureScales")),
			Map.entry(EvidenceScope.FLOAT_CONSTANTS, List.of("org.quantrace.runner.verify.UnrepresentableConstantsCheck")),
			Map.entry(EvidenceScope.MASK_WARNINGS, List.of("org.quantrace.runner.MaskWarningsCheck")),
			Map.entry(EvidenceScope.INPUT_RESOLUTION, List.of("org.quantrace.runner.InputResolutionCheck")),
			Map.entry(EvidenceScope.CONVERSION_REASONS, List.of("org.quantrace.runner.verify.RemovalReasonsCheck", "org.quantrace.runner.verify.FoldedLayers",
					"org.quantrace.runner.verify.ReplacedNodes", "org.quantrace.runner.verify.ReplacementRun", "org.quantrace.runner.verify.RuntimeOpsCheck",
					"org.quantrace.runner.verify.ConversionLogCheck", "org.quantrace.runner.verify.RuntimeOpLists")),
			Map.entry(EvidenceScope.MASKED_SUMS, List.of("org.quantrace.runner.verify.MaskedSumMarks")),
			Map.entry(EvidenceScope.DEBUG_LEFT_OUT, List.of("org.quantrace.runner.verify.DebugCheck")),
			Map.entry(EvidenceScope.STAGES, List.of("org.quantrace.runner.verify.TraceStages", "org.quantrace.runner.verify.FloatStagesLogCheck",
					"org.quantrace.runner.verify.ChannelRanking", "org.quantrace.runner.verify.KeptChannels", "org.quantrace.runner.PruningWarnings")),
			Map.entry(EvidenceScope.DECLARED, List.of("org.quantrace.runner.RecipeDeclarationsCheck", "org.quantrace.runner.StepDeclarationsCheck",
					"org.quantrace.runner.SchemeExclusionsCheck", Verification.class.getName())), // model-framework: framework()
			Map.entry(EvidenceScope.INPUTS, List.of(Verification.class.getName(), "org.quantrace.runner.DataChecks")),
			Map.entry(EvidenceScope.COUNTS, List.of("org.quantrace.runner.verify.SampleCounts", "org.quantrace.runner.verify.DataFileCounts")),
			Map.entry(EvidenceScope.DOCUMENTS, List.of(Verification.class.getName(), "org.quantrace.runner.verify.Rederivation")),
			Map.entry(EvidenceScope.METRICS, List.of("org.quantrace.runner.Reevaluation", "org.quantrace.runner.ClassificationRecheck",
					"org.quantrace.runner.ReconstructionRecheck", "org.quantrace.runner.ConversionRecheck")),
			Map.entry(EvidenceScope.BIAS_CORRECTIONS, List.of("org.quantrace.runner.BiasCorrectionRecheck")),
			Map.entry(EvidenceScope.ENTROPY_RAISES, List.of("org.quantrace.runner.EntropyRaiseRecheck")),
			Map.entry(EvidenceScope.ACTIVATION_SCORES, List.of("org.quantrace.runner.ActivationScoreRecheck")),
			Map.entry(EvidenceScope.MINMAX_RANGES, List.of("org.quantrace.runner.CalibratedRangeRecheck")),
			Map.entry(EvidenceScope.MOVING_AVERAGE_RANGES, List.of("org.quantrace.runner.CalibratedRangeRecheck", "org.quantrace.runner.MovingAverageRanges")),
			Map.entry(EvidenceScope.PERCENTILE_RANGES, List.of("org.quantrace.runner.CalibratedRangeRecheck", "org.quantrace.runner.PercentileCounts")),
			Map.entry(EvidenceScope.ENTROPY_RANGES, List.of("org.quantrace.runner.CalibratedRangeRecheck", "org.quantrace.runner.EntropyThresholds")),
			Map.entry(EvidenceScope.L2_RANGES, List.of("org.quantrace.runner.CalibratedRangeRecheck", "org.quantrace.runner.L2Ranges")));

	/** What this verify re-derived, what it did not (without --deep), and what only --expect binds: said in its notes, as the documents say it. */
	private void scope() {
		notes.add(EvidenceScope.Kind.REDERIVED.heading() + ": " + EvidenceScope.line(EvidenceScope.Kind.REDERIVED));
		notes.add((options.deep() ? "re-derived by running the models again (--deep): " : "not re-derived (only verify --deep runs the models again): ")
				+ EvidenceScope.line(EvidenceScope.Kind.DEEP));
		notes.add((bound ? "not re-derivable, bound by the fingerprint you kept (--expect): " : "not re-derivable and not bound (only --expect FINGERPRINT binds them): ")
				+ EvidenceScope.line(EvidenceScope.Kind.STATEMENT));
	}

	/**
	 * The inventory's SHA-256 as the file is now, taken whether or not SHA256SUMS lists it (with SHA256SUMS removed it was
	 * never taken, and every record of it read "re-derived null"); null when it is missing, which the folder check names.
	 */
	private String inventoryHash() {
		return Files.isRegularFile(dir.resolve(Outputs.INVENTORY), java.nio.file.LinkOption.NOFOLLOW_LINKS) ? hash(Outputs.INVENTORY) : null;
	}

	private String hash(String relative) {
		return hashes.computeIfAbsent(relative, r -> {
			checked++;
			return SafeFiles.sha256(dir.resolve(r));
		});
	}

	private String relative(Path p) {
		return dir.relativize(p).toString().replace('\\', '/');
	}

	// ------------------------------------------------------------------ the inputs

	private void inputs() {
		if (trace.getInputFiles().isEmpty()) {
			problems.add(new Problem(Outputs.TRACE, "records no inputs (written by an older Quantrace): the recipe, models and data cannot be checked"));
			return;
		}
		if (options.outputsOnly()) {
			notes.add("inputs not checked (--outputs-only): " + trace.getInputFiles().size() + " files and datasets read by the run");
			return;
		}
		InputFile recipe = trace.getInputFiles().stream().filter(i -> i.getKind() == InputKind.RECIPE).findFirst().orElse(null);
		Path folder = options.recipe() != null ? options.recipe().toAbsolutePath().normalize().getParent()
				: dir.resolve(trace.getRecipeFolder() == null ? "." : trace.getRecipeFolder()).normalize();
		recipeFile = recipe == null ? null : folder.resolve(recipe.getPath()).normalize();
		if (options.recipe() != null && recipe != null && !options.recipe().toAbsolutePath().normalize().equals(recipeFile)) {
			problems.add(new Problem(options.recipe().toString(), "is not the recipe the run read (" + recipe.getPath() + ")"));
			return;
		}
		if (recipeFile != null && !recipeFile.getFileName().toString().endsWith(".qr")) { // a forged trace must not make verify read any file
			problems.add(new Problem(recipe.getPath(), "the trace names it as the recipe the run read: not a recipe file (.qr), so not read; "
					+ "inputs not checked"));
			recipeFile = null;
			return;
		}
		if (recipeFile == null || !Files.isRegularFile(recipeFile)) {
			problems.add(new Problem("inputs", "not checked: the recipe is not at " + (recipeFile == null ? "?" : recipeFile)
					+ " (was the output folder moved?); give --recipe RECIPE.qr where it is now, or --outputs-only to check the folder alone"));
			recipeFile = null;
			return;
		}
		recipeInputs = new RecipeInputs(recipeFile);
		Set<Path> named = recipeInputs.named();
		int read = 0;
		for (InputFile i : trace.getInputFiles()) {
			Path file = folder.resolve(i.getPath()).normalize();
			String name = i.getPath() + (i.getOwner() == null ? "" : " (" + i.getKind().getLiteral() + " of " + i.getOwner() + ")");
			String refused = unnamed(i, file, folder, named);
			read += refused == null ? 1 : 0;
			if (refused != null) {
				problems.add(new Problem(name, refused));
			} else if (i.getKind() == InputKind.DATASET) {
				dataset(i, file, name);
			} else if (!Files.isRegularFile(file)) {
				problems.add(new Problem(name, "missing (" + file + ")"));
			} else {
				checked++;
				String actual = SafeFiles.sha256(file);
				if (!actual.equals(i.getSha256())) {
					problems.add(new Problem(name, "SHA-256 is " + actual + ", the run read " + i.getSha256()));
				}
				if (i.getKind() == InputKind.MODEL) {
					originals.put(i.getOwner(), file);
				}
			}
		}
		// what verify read outside the folder, said: only the recipe found and what it names
		notes.add("inputs read outside the folder: the recipe " + recipeFile + " and " + (read - 1) + " files and datasets it names"
				+ " (--recipe chooses the recipe, --outputs-only reads none)");
	}

	/**
	 * Why verify does not read recorded input {@code i} (at {@code file}, the recipe's folder being {@code folder}), or null when it may: it reads only what
	 * the recipe names (what a run of it reads, {@code named}; null when the recipe does not load) and a named
	 * model's external data in that model's folder. The trace is a file of the folder: edited, with SHA256SUMS
	 * recomputed, it could otherwise make verify read and print the hash of any file ({@code ../../etc/shadow}).
	 */
	private String unnamed(InputFile i, Path file, Path folder, Set<Path> named) {
		if (i.getPath() == null || Path.of(i.getPath()).isAbsolute()) {
			return "an absolute path: a run records its inputs relative to the recipe's folder; not read";
		}
		if (i.getKind() == InputKind.RECIPE) {
			return file.equals(recipeFile) ? null : "not the recipe verify found (" + recipeFile + "); not read";
		}
		if (named == null) {
			return "not read: the recipe at " + recipeFile + " does not load without errors, so what the run may have read cannot be told";
		}
		if (i.getKind() != InputKind.EXTERNAL_DATA) {
			return named.contains(file) ? null : "the trace records it as read, but the recipe names no such " + i.getKind().getLiteral() + "; not read";
		}
		for (InputFile m : trace.getInputFiles()) { // external data: beside a model the recipe names, and no link leads out
			Path model = m.getKind() == InputKind.MODEL && java.util.Objects.equals(m.getOwner(), i.getOwner()) && !Path.of(m.getPath()).isAbsolute()
					? folder.resolve(m.getPath()).normalize() : null;
			if (model != null && named.contains(model) && file.startsWith(model.getParent()) && !Files.isSymbolicLink(file)
					&& (!Files.exists(file) || inside(file, model.getParent()))) {
				return null;
			}
		}
		return "the trace records it as external data, but it is not in the folder of a model the recipe names; not read";
	}

	/** Whether {@code file}'s real location lies in {@code folder}'s (no link on the way leads out). */
	private static boolean inside(Path file, Path folder) {
		try {
			return file.toRealPath().startsWith(folder.toRealPath());
		} catch (IOException e) {
			return false;
		}
	}

	/** A dataset's files, one by one from its manifest, and the files it would read now but did not then. */
	private void dataset(InputFile input, Path location, String name) {
		DatasetRecord record = trace.getDatasets().stream().filter(d -> d.getName().equals(input.getOwner())).findFirst().orElse(null);
		if (record == null || record.getManifestPath() == null || !plain(record.getManifestPath())
				|| !Files.isRegularFile(dir.resolve(record.getManifestPath()), LinkOption.NOFOLLOW_LINKS)) {
			problems.add(new Problem(name, "no manifest of its files in the folder"));
			return;
		}
		if (!record.getManifestSha256().equals(input.getSha256())) {
			problems.add(new Problem(name, "the trace records manifest " + record.getManifestSha256() + " for it, and " + input.getSha256() + " as read"));
		}
		Path root = Files.isDirectory(location) ? location : location.getParent();
		Set<String> listed = new LinkedHashSet<>();
		try {
			for (String line : Files.readAllLines(dir.resolve(record.getManifestPath()), StandardCharsets.UTF_8)) {
				String[] f = line.split("  ", 3);
				if (f.length != 3 || !plain(f[2])) {
					problems.add(new Problem(record.getManifestPath(), "refused line '" + abbreviate(line) + "': not 'SHA-256  bytes  path' inside the dataset"));
					continue;
				}
				listed.add(f[2]);
				Path file = root.resolve(f[2]);
				if (Files.isSymbolicLink(file) || (Files.exists(file) && !inside(file, root))) {
					problems.add(new Problem(input.getOwner() + ": " + f[2], "leads out of the dataset through a symbolic link (a run reads none): not followed"));
					continue;
				}
				if (!Files.isRegularFile(file)) {
					problems.add(new Problem(input.getOwner() + ": " + f[2], "missing (" + file + ")"));
					continue;
				}
				checked++;
				String actual = SafeFiles.sha256(file);
				if (!actual.equals(f[0])) {
					problems.add(new Problem(input.getOwner() + ": " + f[2], "SHA-256 is " + actual + ", the run read " + f[0]));
				}
			}
		} catch (IOException e) {
			problems.add(new Problem(record.getManifestPath(), "unreadable (" + IoErrors.describe(e) + ")"));
			return;
		}
		org.quantrace.model.recipe.DatasetDeclaration declared = recipeInputs.context() == null ? null : recipeInputs.dataset(input.getOwner());
		String count = declared == null ? null : DataFileCounts.problem(record, location, declared.getSamples());
		if (count != null) { // an .npy, .npz, IDX or CSV file: the count its header or lines state (image folders: SampleCounts)
			problems.add(new Problem(Outputs.TRACE, count));
		}
		recipeInputs.filesNowRead(input.getOwner()).forEach(f -> {
			if (!listed.contains(f)) {
				problems.add(new Problem(input.getOwner() + ": " + f, "the dataset would read it now, the run did not: a file added since"));
			}
		});
	}

	// ------------------------------------------------------------------ the run's warnings

	/**
	 * The warnings the trace records that the inputs bear out, derived again: a weight-only original (from the model file, by
	 * verify's own reading), a dataset's unread files and empty class folders (the dataset read again as the run read it), a
	 * dataset that declares more samples than it holds. A record that omits one of them, or one that the files do not bear
	 * out, is a mismatch: the evidence must not say less (or other) than the run knew. Needs the inputs (not with --outputs-only).
	 */
	private void warnings() {
		RecipeContext ctx = recipeInputs == null ? null : recipeInputs.context();
		if (ctx == null) {
			return;
		}
		boolean quantizes = trace.getOptimizations().stream().anyMatch(o -> o.getQuantization() != null);
		for (org.quantrace.model.recipe.ModelDeclaration m : ctx.models()) {
			Path file = originals.get(m.getName());
			java.util.SortedMap<String, Integer> weights;
			List<String> nBits;
			try {
				org.quantrace.runner.verify.ModelFacts facts = file == null ? null : org.quantrace.runner.verify.ModelFacts.read(file);
				weights = facts == null ? null : facts.weightOnly();
				nBits = facts == null ? null : facts.nBitsPieces();
				if (facts != null) {
					framework(m, facts);
				}
			} catch (IOException e) {
				weights = null; // an unreadable model is reported by the document checks
				nBits = null;
			}
			if (weights == null) {
				continue;
			}
			List<String> recorded = trace.getWarnings().stream()
					.filter(w -> IssueCodes.MODEL_WEIGHT_ONLY.equals(w.getCode()) && m.getName().equals(w.getModel())).map(w -> w.getMessage()).toList();
			List<String> castAndMul = weights.entrySet().stream().map(e -> e.getValue() + " " + e.getKey() + (e.getValue() == 1 ? " weight" : " weights")).toList();
			// ONNX Runtime's MatMulNBits (int4 weight-only): each node with its K and N, each form with its bits, block size and zero points
			List<String> pieces = new ArrayList<>(castAndMul);
			pieces.addAll(nBits);
			String stores = String.join(", ", castAndMul) + (nBits.isEmpty() ? "" : (castAndMul.isEmpty() ? "" : "; ") + String.join(", ", nBits));
			String where = "warning [" + IssueCodes.MODEL_WEIGHT_ONLY + "] of model " + m.getName();
			if (!recorded.isEmpty() && pieces.isEmpty()) {
				problems.add(new Problem(Outputs.TRACE, where + ": recorded, but " + m.getPath() + " stores no integer weight read through Cast and Mul"
						+ " and holds no com.microsoft.MatMulNBits"));
			} else if (recorded.isEmpty() && !pieces.isEmpty() && quantizes) {
				problems.add(new Problem(Outputs.TRACE, where + ": not recorded, but the run quantized and " + m.getPath() + " is weight-only quantized ("
						+ (castAndMul.isEmpty() ? "" : "it stores " + String.join(", ", castAndMul) + " read through Cast and Mul")
						+ (nBits.isEmpty() ? "" : (castAndMul.isEmpty() ? "" : "; ") + "it holds " + String.join(", ", nBits)) + ")"));
			} else if (!recorded.isEmpty() && recorded.stream().noneMatch(x -> pieces.stream().allMatch(x::contains))) {
				String missing = pieces.stream().filter(x -> !recorded.get(0).contains(x)).findFirst().orElse("");
				problems.add(new Problem(Outputs.TRACE, where + ": says '" + recorded.get(0) + "', re-derived: " + stores + " (not said: '" + missing + "')"));
			}
		}
		Set<String> derivable = Set.of(IssueCodes.DATA_EMPTY_CLASS, IssueCodes.DATA_UNREAD_FILES, IssueCodes.DATA_SAMPLES);
		for (DatasetRecord r : trace.getDatasets()) {
			org.quantrace.model.recipe.DatasetDeclaration d = recipeInputs.dataset(r.getName());
			if (d == null || ctx.models().isEmpty()) {
				continue;
			}
			List<String> derived = new ArrayList<>();
			try {
				org.quantrace.engine.data.Dataset data = ctx.read(d, ctx.models().get(0), 0);
				for (org.quantrace.engine.data.DataWarning w : data.warnings()) {
					derived.add("[" + (w.kind() == org.quantrace.engine.data.DataWarning.Kind.EMPTY_CLASS ? IssueCodes.DATA_EMPTY_CLASS : IssueCodes.DATA_UNREAD_FILES)
							+ "] " + DataChecks.warningText(d, w));
				}
				if (d.getSamples() > 0 && data.size() < d.getSamples()) {
					derived.add("[" + IssueCodes.DATA_SAMPLES + "] " + DataChecks.samplesText(d, data.size()));
				}
			} catch (org.quantrace.engine.QuantraceException e) {
				continue; // what it cannot read any more is reported file by file from its manifest
			}
			List<String> recorded = trace.getWarnings().stream().filter(w -> derivable.contains(w.getCode()) && r.getName().equals(w.getDataset()))
					.map(w -> "[" + w.getCode() + "] " + w.getMessage()).toList();
			if (!recorded.equals(derived)) {
				problems.add(new Problem(Outputs.TRACE, "warnings of dataset " + r.getName() + ": says " + recorded + ", re-derived from the dataset " + derived));
			}
		}
		MaskWarningsCheck.check(trace, recipeInputs).forEach(p -> problems.add(new Problem(Outputs.TRACE, p)));
		InputResolutionCheck.check(trace, recipeInputs, this::modelFile).forEach(p -> problems.add(new Problem(Outputs.TRACE, p)));
		PruningWarnings.check(trace).forEach(p -> problems.add(new Problem(Outputs.TRACE, p)));
		QuantizerWarnings.checkNothing(trace).forEach(p -> problems.add(new Problem(Outputs.TRACE, p)));
		checkedAgain();
	}

	/**
	 * The model-framework warning of {@code m}, derived again from the recipe's framework clause and the producer its file holds
	 * (read by verify's own code): recorded exactly where the rule finds a contradiction, with the words the rule gives.
	 */
	private void framework(org.quantrace.model.recipe.ModelDeclaration m, org.quantrace.runner.verify.ModelFacts facts) {
		String[] producer = facts.producer();
		String derived = FrameworkClause.warning(m.getName(), m.getPath(), m.getFramework(), producer[0], producer[1]);
		List<String> recorded = trace.getWarnings().stream().filter(w -> IssueCodes.MODEL_FRAMEWORK.equals(w.getCode()) && m.getName().equals(w.getModel()))
				.map(w -> w.getMessage()).toList();
		String where = "warning [" + IssueCodes.MODEL_FRAMEWORK + "] of model " + m.getName();
		String facts2 = "the recipe declares framework " + (m.getFramework() == null ? "(none)" : "\"" + m.getFramework() + "\"") + ", " + m.getPath()
				+ "'s producer is " + (producer[0].isEmpty() ? "(none)" : (producer[0] + " " + producer[1]).trim());
		if (derived == null && !recorded.isEmpty()) {
			problems.add(new Problem(Outputs.TRACE, where + ": recorded, but " + facts2 + ", which do not contradict each other"));
		} else if (derived != null && recorded.isEmpty()) {
			problems.add(new Problem(Outputs.TRACE, where + ": not recorded, but " + facts2 + ": re-derived '" + derived + "'"));
		} else if (derived != null && !recorded.equals(List.of(derived))) {
			problems.add(new Problem(Outputs.TRACE, where + ": says " + recorded + ", re-derived '" + derived + "'"));
		}
	}

	/**
	 * The other warnings a run records, derived again by checking the recipe as the run did, on the inputs as they are now:
	 * the language's (read from the recipe and its imports) and the coarse-integers data-type warning (the models' integer
	 * inputs and the preprocessing: images that take fewer than 16 integer values). Those verify derives by its own reading
	 * above (model-weight-only, model-framework, a dataset's unread files, empty class folders and missing samples) are left to it.
	 */
	private void checkedAgain() {
		Set<String> ownReading = new java.util.HashSet<>(Set.of(IssueCodes.MODEL_WEIGHT_ONLY, IssueCodes.MODEL_FRAMEWORK, IssueCodes.DATA_EMPTY_CLASS,
				IssueCodes.DATA_UNREAD_FILES, IssueCodes.DATA_SAMPLES));
		ownReading.addAll(QuantizerWarnings.CODES); // the quantizer's: MaskWarningsCheck, or the run's own statement (EvidenceScope)
		ownReading.add(PruningWarnings.SHORT); // from the pruning records: PruningWarnings.check
		List<org.quantrace.dsl.RecipeFiles.Diagnostic> again;
		try {
			// the schemes the run ran (--only): those its records name; all of them as no --only
			Set<String> known = new java.util.TreeSet<>(recipeInputs.context().schemes(Set.of()).stream().map(ResolvedScheme::name).toList());
			Set<String> ran = new java.util.TreeSet<>();
			trace.getOptimizations().forEach(o -> ran.add(o.getScheme()));
			trace.getEvaluations().forEach(e -> ran.add(e.getVariant()));
			ran.retainAll(known);
			again = RecipeRunner.runWarnings(recipeFile, ran.equals(known) ? Set.of() : ran);
		} catch (org.quantrace.engine.QuantraceException e) {
			return; // what cannot be read any more is reported by the input checks
		}
		if (again == null) {
			return;
		}
		Path folder = recipeFile.toAbsolutePath().normalize().getParent();
		List<String> derived = again.stream().filter(d -> !ownReading.contains(d.code())).map(d -> WarningRecords.of(recipeInputs.context(), d, folder))
				.map(Verification::printed).toList();
		List<String> recorded = trace.getWarnings().stream().filter(w -> !ownReading.contains(w.getCode())).map(Verification::printed).toList();
		if (!recorded.equals(derived)) {
			problems.add(new Problem(Outputs.TRACE, "warnings of the recipe language and the data-type check: says " + recorded
					+ ", re-derived from the recipe and its inputs " + derived));
		}
	}

	/** A recorded warning as the run printed it: "wo.qr:4:2: warning [data-type] ...". */
	private static String printed(org.quantrace.model.trace.RunWarning w) {
		return w.getFile() + ":" + w.getLine() + ":" + w.getColumn() + ": " + w.getSeverity() + " [" + w.getCode() + "] " + w.getMessage();
	}

	/** Where an artifact's model is now: in the folder, or for an original where the recipe's folder is. */
	private Path modelFile(ModelArtifact a) {
		if (ModelArtifacts.isInput(a)) {
			return originals.get(RunSummary.model(a));
		}
		return plain(a.getPath()) ? dir.resolve(a.getPath()) : null;
	}

	// ------------------------------------------------------------------ evaluations

	private void reevaluate() {
		if (recipeFile == null) {
			notes.add("evaluations, debugger, bias corrections, entropy raises, activation scores and min-max ranges not run again: the inputs are not available");
			return;
		}
		Reevaluation.run(recipeInputs, trace, this::modelFile, options.progress(), notes).forEach(m -> problems.add(new Problem(m.document(), m.toString())));
		Reevaluation.debug(recipeInputs, trace, this::modelFile, options.progress()).forEach(m -> problems.add(new Problem(m.document(), m.toString())));
		BiasCorrectionRecheck.run(recipeInputs, trace, this::modelFile, notes).forEach(m -> problems.add(new Problem(m.document(), m.toString())));
		EntropyRaiseRecheck.run(recipeInputs, trace, this::modelFile, notes).forEach(m -> problems.add(new Problem(m.document(), m.toString())));
		ActivationScoreRecheck.run(recipeInputs, trace, this::modelFile, notes).forEach(m -> problems.add(new Problem(m.document(), m.toString())));
		CalibratedRangeRecheck.run(recipeInputs, trace, this::modelFile, options.progress(), notes).forEach(m -> problems.add(new Problem(m.document(), m.toString())));
	}

	private static String abbreviate(String s) {
		return s.length() > 100 ? s.substring(0, 100) + "..." : s;
	}

	/** What is wrong with an unreadable trace: the XML parser's line and message when it has them. */
	static String firstLine(Throwable e) {
		for (Throwable t = e; t != null; t = t.getCause()) {
			if (t instanceof org.xml.sax.SAXParseException x) {
				return "line " + x.getLineNumber() + ", column " + x.getColumnNumber() + ": " + x.getMessage();
			}
		}
		String m = String.valueOf(e.getMessage());
		return m.contains("\n") ? m.substring(0, m.indexOf('\n')) : m;
	}
}
