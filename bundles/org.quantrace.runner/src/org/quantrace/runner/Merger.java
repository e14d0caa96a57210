package org.quantrace.runner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.eclipse.emf.common.util.EList;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.EReference;
import org.eclipse.emf.ecore.util.EcoreUtil;
import org.quantrace.engine.IoErrors;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.model.QuantraceModel;
import org.quantrace.model.trace.ShardRecord;
import org.quantrace.model.trace.TraceLink;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.model.trace.TracedElement;

/**
 * Joins the outputs of a sharded run ({@code run --shard i/n}) into one: the traces are merged by id
 * (the models, data and conversions every shard shares appear once), the files are copied, and the
 * results, logs, report and checksums are written again from the merged trace.
 */
public final class Merger {

	private Merger() {
	}

	public static Path merge(List<Path> shards, Path target) {
		if (shards.isEmpty()) {
			throw new InvalidInputException("nothing to merge", "give the output folders of the shards");
		}
		for (Path shard : shards) { // the merged folder's new SHA256SUMS would vouch for whatever a shard holds now
			List<Verification.Problem> changed = Verification.files(shard);
			if (!changed.isEmpty()) {
				throw new InvalidInputException(shard + ": is not as its run wrote it (" + changed.size() + (changed.size() == 1 ? " mismatch" : " mismatches")
						+ " with its " + Outputs.SUMS + " and " + Outputs.INVENTORY + ", e.g. " + changed.get(0) + "): merging it would give its changes new checksums",
						"merge shards as their runs wrote them: run that shard again (quantrace verify " + ShellWord.quote(shard) + " lists every change)");
			}
		}
		List<TraceModel> traces = shards.stream().map(Merger::load).toList(); // each read once: a trace is megabytes of XML
		List<Shard> which = shardsOf(shards, traces);
		try (OutputFolder folder = OutputFolder.open(target, shards)) {
			Path out = folder.path();
			TraceModel merged = null;
			List<ShardRecord> records = new ArrayList<>();
			for (int i = 0; i < shards.size(); i++) {
				Path shard = shards.get(i);
				TraceModel t = rebase(traces.get(i), shard, folder.target());
				if (merged != null && !merged.getRecipeSha256().equals(t.getRecipeSha256())) {
					throw new InvalidInputException(shard + ": ran another recipe (sha256 " + t.getRecipeSha256() + ") than " + shards.get(0),
							"merge the shards of one run");
				}
				copyFiles(shard, out, t);
				records.add(keep(shard, which.get(i), out));
				merged = merged == null ? t : join(merged, t);
			}
			merged.setShard(null); // the whole run now
			merged.getMergedShards().clear();
			records.stream().sorted(java.util.Comparator.comparingInt(ShardRecord::getIndex)).forEach(merged.getMergedShards()::add);
			Outputs.writeAll(merged, out);
			folder.commit();
			return folder.target();
		}
	}

	/** Where merge keeps a shard's SHA256SUMS in the merged folder. */
	public static final String SHARDS = "shards";

	/**
	 * Which shard each folder is, as its trace records it: shards 1..n of one n, each once. merge of 1 of 2 shards gave a folder
	 * that looked complete and verified clean (hostile3's left open), and a folder that was no shard merged as one.
	 */
	private static List<Shard> shardsOf(List<Path> shards, List<TraceModel> traces) {
		List<Shard> which = new ArrayList<>();
		List<String> firstOnly = traces.get(0).getOnlySchemes();
		for (int k = 0; k < shards.size(); k++) {
			Path shard = shards.get(k);
			String recorded = traces.get(k).getShard();
			if (recorded == null || recorded.isEmpty()) {
				throw new InvalidInputException(shard + ": is not the output of run --shard i/n (its trace records no shard)",
						"merge the outputs of run --shard 1/n ... n/n of one recipe; a whole run needs no merge");
			}
			Shard s = Shard.parse(recorded);
			List<String> only = traces.get(k).getOnlySchemes();
			if (!only.equals(firstOnly)) {
				throw new InvalidInputException(shard + ": ran the schemes " + (only.isEmpty() ? "all" : String.join(", ", only)) + ", " + shards.get(0) + " "
						+ (firstOnly.isEmpty() ? "all" : String.join(", ", firstOnly)) + " (run --only): shards of other runs",
						"merge the shards of one run, each run with the same --only");
			}
			if (!which.isEmpty() && which.get(0).count() != s.count()) {
				throw new InvalidInputException(shard + ": is shard " + s + ", " + shards.get(0) + " shard " + which.get(0) + ": shards of runs split otherwise",
						"merge the shards 1/n ... n/n of one run");
			}
			for (int i = 0; i < which.size(); i++) {
				if (which.get(i).index() == s.index()) {
					throw new InvalidInputException(shard + ": is shard " + s + ", as " + shards.get(i) + " is", "give each shard once");
				}
			}
			which.add(s);
		}
		if (which.size() != which.get(0).count()) {
			List<String> missing = new ArrayList<>();
			for (int i = 1; i <= which.get(0).count(); i++) {
				int index = i;
				if (which.stream().noneMatch(s -> s.index() == index)) {
					missing.add(i + "/" + which.get(0).count());
				}
			}
			throw new InvalidInputException("shard" + (missing.size() == 1 ? " " : "s ") + String.join(", ", missing) + " missing: the merged folder would"
					+ " lack their pipelines and still read as the whole run", "give the outputs of all " + which.get(0).count() + " shards");
		}
		return which;
	}

	/** The shard's SHA256SUMS copied to shards/i-of-n.SHA256SUMS, and its record: which shard, its fingerprint, where its list is. */
	private static ShardRecord keep(Path shard, Shard s, Path out) {
		String name = SHARDS + "/" + s.index() + "-of-" + s.count() + "." + Outputs.SUMS;
		try {
			Files.createDirectories(out.resolve(SHARDS));
			Files.copy(shard.resolve(Outputs.SUMS), out.resolve(name));
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		ShardRecord r = org.quantrace.model.trace.TraceFactory.eINSTANCE.createShardRecord();
		r.setIndex(s.index());
		r.setCount(s.count());
		r.setFingerprint(Outputs.fingerprint(shard));
		r.setSumsPath(name);
		return r;
	}

	private static TraceModel load(Path shard) {
		try {
			return QuantraceModel.loadTrace(shard.resolve(Outputs.TRACE));
		} catch (IOException e) {
			throw new InvalidInputException(shard + ": no readable " + Outputs.TRACE + " (" + IoErrors.describe(e) + ")", "give the output folder of a run");
		}
	}

	/**
	 * The recipe's folder seen from the merged folder instead of the shard's: the one path of a trace relative to
	 * its output folder that leads out of it (inputs are named relative to the recipe's folder, outputs relative to
	 * the output folder, so neither moves).
	 */
	private static TraceModel rebase(TraceModel t, Path shard, Path target) {
		if (t.getRecipeFolder() != null) {
			t.setRecipeFolder(TraceAssembler.relative(target, shard.toAbsolutePath().resolve(t.getRecipeFolder()).normalize()));
		}
		return t;
	}

	/** Adds what {@code other} has and {@code base} has not, re-pointing its references to {@code base}'s elements of the same id. */
	static TraceModel join(TraceModel base, TraceModel other) {
		List<EObject> added = new ArrayList<>();
		addMissing(base.getArtifacts(), other.getArtifacts(), added);
		addMissing(base.getDatasets(), other.getDatasets(), added);
		addMissing(base.getConversions(), other.getConversions(), added);
		addMissing(base.getOptimizations(), other.getOptimizations(), added);
		addMissing(base.getEvaluations(), other.getEvaluations(), added);
		addMissing(base.getDebugRecords(), other.getDebugRecords(), added);
		for (org.quantrace.model.trace.InputFile i : List.copyOf(other.getInputFiles())) { // relative to the recipe: the same in every shard
			if (base.getInputFiles().stream().noneMatch(b -> b.getKind() == i.getKind() && b.getPath().equals(i.getPath()))) {
				base.getInputFiles().add(i);
			}
		}
		for (org.quantrace.model.trace.RunWarning w : List.copyOf(other.getWarnings())) { // the quantizer's: of that shard's schemes
			String line = org.quantrace.report.RunWarnings.line(w);
			if ((QuantizerWarnings.CODES.contains(w.getCode()) || PruningWarnings.SHORT.equals(w.getCode()))
					&& base.getWarnings().stream().noneMatch(b -> java.util.Objects.equals(b.getModel(), w.getModel()) && org.quantrace.report.RunWarnings.line(b).equals(line))) {
				base.getWarnings().add(w);
			}
		}
		for (EObject o : added) {
			repoint(o, base);
			o.eAllContents().forEachRemaining(c -> repoint(c, base));
		}
		for (TraceLink l : List.copyOf(other.getLinks())) {
			TracedElement s = byId(base, l.getSource().getId());
			TracedElement t = byId(base, l.getTarget().getId());
			boolean exists = base.getLinks().stream().anyMatch(x -> x.getKind() == l.getKind() && x.getSource() == s && x.getTarget() == t);
			if (!exists && s != null && t != null) {
				TraceLink copy = EcoreUtil.copy(l);
				copy.setSource(s);
				copy.setTarget(t);
				base.getLinks().add(copy);
			}
		}
		return base;
	}

	private static <T extends TracedElement> void addMissing(EList<T> base, EList<T> other, List<EObject> added) {
		for (T e : List.copyOf(other)) {
			if (base.stream().noneMatch(b -> b.getId().equals(e.getId()))) {
				base.add(e); // moves it out of the other trace; its references still point there until repointed
				added.add(e);
			}
		}
	}

	@SuppressWarnings("unchecked")
	private static void repoint(EObject o, TraceModel base) {
		for (EReference r : o.eClass().getEAllReferences()) {
			if (r.isContainment() || r.isContainer() || !TracedElement.class.isAssignableFrom(r.getEType().getInstanceClass())) {
				continue;
			}
			if (r.isMany()) {
				EList<TracedElement> values = (EList<TracedElement>) o.eGet(r);
				for (int i = 0; i < values.size(); i++) {
					TracedElement mine = byId(base, values.get(i).getId());
					if (mine != null && mine != values.get(i)) {
						values.set(i, mine);
					}
				}
			} else if (o.eGet(r) instanceof TracedElement v) {
				TracedElement mine = byId(base, v.getId());
				if (mine != null && mine != v) {
					o.eSet(r, mine);
				}
			}
		}
	}

	private static TracedElement byId(TraceModel t, String id) {
		return t.eContents().stream().filter(TracedElement.class::isInstance).map(TracedElement.class::cast).filter(e -> id.equals(e.getId()))
				.findFirst().orElse(null);
	}

	/** Copies a shard's models, manifests and debugger files; its documents and file lists are written again from the merged trace. */
	private static void copyFiles(Path shard, Path out, TraceModel t) {
		java.util.Set<String> skipped = new java.util.HashSet<>(t.getDocuments());
		skipped.addAll(List.of(Outputs.SUMS, Outputs.INVENTORY, Outputs.TRACE, Outputs.RESULTS, Outputs.REPORT));
		try (Stream<Path> files = Files.walk(shard)) {
			for (Path f : files.filter(Files::isRegularFile).toList()) {
				Path rel = shard.relativize(f);
				if (skipped.contains(rel.toString().replace('\\', '/'))) {
					continue;
				}
				Path to = out.resolve(rel);
				if (!Files.exists(to)) {
					Files.createDirectories(to.getParent());
					Files.copy(f, to);
				}
			}
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}
}
