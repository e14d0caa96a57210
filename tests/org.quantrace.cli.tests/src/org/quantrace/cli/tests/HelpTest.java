package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.quantrace.cli.QuantraceCommand;
import org.quantrace.testing.TestData;

import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * --help as a new user reads it (issue 16, item 9): each command's summary a whole sentence on one line, no line
 * broken inside a file name or an extension, and defaults as the code has them.
 */
class HelpTest {

	private static final Map<String, CommandLine> COMMANDS = new CommandLine(new QuantraceCommand()).getSubcommands();

	@Test
	void everyCommandHasAOneLineSummaryThatIsAWholeSentence() {
		String help = Cli.run("--help").out();
		for (Map.Entry<String, CommandLine> c : COMMANDS.entrySet()) {
			String[] header = c.getValue().getCommandSpec().usageMessage().header();
			assertTrue(header.length == 1 && header[0].endsWith("."), c.getKey() + " has a one-sentence header: " + List.of(header));
			assertTrue(help.lines().anyMatch(l -> l.matches("  " + c.getKey() + " +" + java.util.regex.Pattern.quote(header[0]))),
					"the command list shows " + c.getKey() + "'s whole summary on its line:\n" + help);
		}
	}

	/**
	 * --calibration, quantize's other spelling of --data, was in every data command's help (debug, evaluate, prune, factorize)
	 * while no README row named it (hostile9's left open): only quantize takes it, and quantize's row says so.
	 */
	@Test
	void onlyQuantizeTakesCalibrationAndItsReadmeRowSaysSo() throws java.io.IOException {
		for (Map.Entry<String, CommandLine> c : COMMANDS.entrySet()) {
			boolean takes = c.getValue().getCommandSpec().optionsMap().containsKey("--calibration");
			assertEquals(c.getKey().equals("quantize"), takes, c.getKey() + " takes --calibration");
			assertEquals(takes, Cli.run(c.getKey(), "--help").out().contains("--calibration"), c.getKey() + " --help");
		}
		for (String command : List.of("debug", "quantize")) { // the required dataset first among the data options, as before
			String help = Cli.run(command, "--help").out();
			int options = help.indexOf("\n      --", help.indexOf("Usage:"));
			int data = help.indexOf(command.equals("quantize") ? "--data, --calibration=DATASET" : "--data=DATASET", options);
			assertTrue(data > 0 && data < help.indexOf("--labels=FILE", options), command + " --help:\n" + help);
		}
		String quantizeRow = java.nio.file.Files.readAllLines(org.quantrace.testing.TestData.root().resolve("README.md")).stream()
				.filter(l -> l.startsWith("| `quantrace quantize ")).findFirst().orElseThrow();
		assertTrue(quantizeRow.contains("--calibration"), quantizeRow);
	}

	/**
	 * Every option a command's --help lists is named in the README, in the command's row or in the paragraph of the options the
	 * rows leave out: run and merge --out, convert --no-fuse, quantize --batch, --per-channel, --no-preprocess, evaluate --batch,
	 * --top-k, --integer-outputs and every data command's --data-format were in the help only (hostile10's left open).
	 */
	@Test
	void theReadmeNamesEveryOptionTheHelpLists() throws java.io.IOException {
		List<String> readme = java.nio.file.Files.readAllLines(org.quantrace.testing.TestData.root().resolve("README.md"));
		String text = String.join("\n", readme);
		int from = text.indexOf("Options the rows leave out");
		assertTrue(from > 0, "the README has the options paragraph");
		String paragraph = text.substring(from, text.indexOf("\n\n", from));
		for (Map.Entry<String, CommandLine> c : COMMANDS.entrySet()) {
			if (c.getKey().equals("help")) {
				continue; // picocli's help command: its options are --help's
			}
			String row = readme.stream().filter(l -> l.startsWith("| `quantrace " + c.getKey() + " ") || l.startsWith("| `quantrace " + c.getKey() + "`"))
					.findFirst().orElseThrow(() -> new AssertionError("no README row for " + c.getKey()));
			for (CommandLine.Model.OptionSpec o : c.getValue().getCommandSpec().options()) {
				String name = o.longestName();
				if (!List.of("--help", "--version").contains(name)) {
					assertTrue(row.contains(name) || paragraph.contains(name), c.getKey() + " " + name + " is in its README row or the options paragraph");
				}
			}
		}
	}

	/**
	 * An unknown option or an extra argument: picocli's "Unknown options" or "Unmatched arguments from index 2" and then the whole
	 * help (40 lines), and a misspelt required option (--shceme) said to be missing. Now what was not taken, a close match, and
	 * where the help is; exit 2.
	 */
	@Test
	void anUnknownArgumentIsOneErrorWithACloseMatchNotTheHelp() {
		Cli only = Cli.run("run", "x.qr", "--onyl", "drq");
		assertEquals(2, only.exitCode(), only.err());
		assertEquals("quantrace: error: unknown option '--onyl' (did you mean '--only'?)\nquantrace: hint: see quantrace run --help\n", only.err());
		assertEquals("", only.out());
		Cli scheme = Cli.run("quantize", "m.onnx", "--shceme", "drq", "-o", "q.onnx");
		assertEquals(2, scheme.exitCode(), scheme.err());
		assertEquals("quantrace: error: unknown option '--shceme' (did you mean '--scheme'?)\nquantrace: hint: see quantrace quantize --help\n", scheme.err());
		Cli spaces = Cli.run("verify", "out", "dir", "\u00e9");
		assertEquals(2, spaces.exitCode(), spaces.err());
		assertEquals("quantrace: error: unexpected arguments 'dir', '\u00e9': quantrace verify takes DIR (a path holding spaces is one argument only in quotes)\n"
				+ "quantrace: hint: see quantrace verify --help\n", spaces.err());
		Cli none = Cli.run("inspect", "m.onnx", "--bogus");
		assertEquals("quantrace: error: unknown option '--bogus'\nquantrace: hint: see quantrace inspect --help\n", none.err());
		// a value picocli cannot read, or a required option missing: the same two lines, not the help after them
		Cli nan = Cli.run("evaluate", "m.onnx", "--data", "d.npy", "--tolerance", "nan");
		assertEquals(2, nan.exitCode(), nan.err());
		assertEquals("quantrace: error: Invalid value for option '--tolerance': 'nan' is not a double\nquantrace: hint: see quantrace evaluate --help\n", nan.err());
	}

	/**
	 * An empty argument where a path goes (--data "$DATA" with DATA unset) was the current folder: evaluate read the folder the
	 * user stood in as an image dataset ("linkout: is a symbolic link"), run "" said "a folder, not a recipe file". Refused as empty.
	 */
	@Test
	void anEmptyPathIsRefusedAsEmpty() {
		for (String[] args : List.of(new String[] { "evaluate", "m.onnx", "--data", "" }, new String[] { "run", "" }, new String[] { "inspect", "" })) {
			Cli cli = Cli.run(args);
			assertEquals(2, cli.exitCode(), cli.err());
			assertTrue(cli.err().startsWith("quantrace: error: Invalid value for ") && cli.err().contains(": an empty path (a shell variable that is not set,"
					+ " or quotes with nothing inside?): give the file or folder (. for the current folder)\nquantrace: hint: see quantrace " + args[0] + " --help\n"),
					cli.err());
		}
	}

	/**
	 * '-' was a file or folder of that name (hostile14, hostile15): run -o - wrote a folder "-", which inspect - then took for a model
	 * folder and verify - verified; validate - said "recipe file not found". Every path option and parameter says stdin and stdout are
	 * not read or written, before any work.
	 */
	@Test
	void aDashForStandardInputOrOutputIsRefusedAsSuch() {
		Path recipe = TestData.example("fashion_cnn.qr");
		for (String[] args : List.of(new String[] { "validate", "-" }, new String[] { "run", recipe.toString(), "-o", "-" }, new String[] { "inspect", "-" },
				new String[] { "evaluate", "m.onnx", "--data", "-" }, new String[] { "quantize", "m.onnx", "--scheme", "drq", "-o", "-" },
				new String[] { "verify", "-" })) {
			Cli cli = Cli.run(args);
			assertEquals(2, cli.exitCode(), cli.err());
			assertTrue(cli.err().startsWith("quantrace: error: Invalid value for ") && cli.err().contains(": '-' (standard input or output in many tools):"
					+ " quantrace reads and writes named files only, as it reads each input more than once and writes each output whole before it takes"
					+ " its name: give the file or folder (./- for one named '-'; inspect and evaluate print to the terminal without -o)\n"), cli.err());
		}
		assertFalse(java.nio.file.Files.exists(Path.of("-")), "no folder named '-' written");
	}

	/** evaluate --tolerance -1 printed "~ = within -1 pt", a width no change fits in: refused before any work. */
	@Test
	void aNegativeToleranceIsRefused() {
		Cli cli = Cli.run("evaluate", "m.onnx", "--data", "d.npy", "--tolerance", "-1");
		assertEquals(2, cli.exitCode(), cli.err());
		assertEquals("quantrace: error: --tolerance -1.0: a tolerance is a width, 0 points or more\n"
				+ "quantrace: hint: give e.g. --tolerance 0.5 (changes within 0.5 points are ~)\n", cli.err());
	}

	/** Every word of every help text with a dot or slash inside ('.npy/.npz', 'MODEL.onnx', 'e.g.', '1/255') appears whole. */
	@Test
	void noLineBreaksInsideAWord() {
		List<String> commands = new ArrayList<>(List.of(""));
		commands.addAll(COMMANDS.keySet());
		int checked = 0;
		for (String name : commands) {
			CommandSpec spec = name.isEmpty() ? new CommandLine(new QuantraceCommand()).getCommandSpec() : COMMANDS.get(name).getCommandSpec();
			String help = name.isEmpty() ? Cli.run("--help").out() : Cli.run(name, "--help").out();
			for (String line : help.split("\n")) {
				assertTrue(line.length() <= 80, name + ": a line wider than 80 columns: " + line);
			}
			for (String word : words(spec)) {
				assertTrue(help.contains(word), name + " --help breaks '" + word + "' across lines:\n" + help);
				checked++;
			}
		}
		assertTrue(checked > 20, "words with a dot or slash checked: " + checked);
	}

	private static Set<String> words(CommandSpec spec) {
		List<String> texts = new ArrayList<>();
		texts.addAll(List.of(spec.usageMessage().header()));
		texts.addAll(List.of(spec.usageMessage().description()));
		for (ArgSpec a : spec.args()) {
			texts.addAll(List.of(a.renderedDescription()));
		}
		Set<String> words = new LinkedHashSet<>();
		for (String t : texts) {
			for (String w : t.split("\\s+")) {
				String bare = w.replaceAll("^[(\"']+|[),;:\"']+$|\\.$", "");
				if (bare.matches(".*[A-Za-z0-9][./][A-Za-z0-9].*|\\.[a-z]+.*")) {
					words.add(bare);
				}
			}
		}
		return words;
	}

	@Test
	void quantizeSaysActivationsDefaultToUint8() {
		String help = Cli.run("quantize", "--help").out().replaceAll("\\s+", " ");
		int at = help.lastIndexOf("--activations=TYPE"); // its entry in the option list, after the synopsis
		String activations = help.substring(at, help.indexOf("--", at + 5));
		assertTrue(activations.contains("uint8 (their default"), activations);
		assertFalse(activations.contains("int8 (default)"), activations);
		assertEquals(0, Cli.run("quantize", "--help").exitCode());
	}

	/**
	 * An .npz of a model's inputs alone takes its labels from --labels (multiin: the reader reads a label file beside an .npz
	 * now); the help named .npy inputs only, so a user of an .npz had no word that --labels applies.
	 */
	@Test
	void labelsHelpSaysAnNpzOfInputsTakesALabelFile() {
		for (String command : java.util.List.of("quantize", "evaluate", "debug")) {
			String help = Cli.run(command, "--help").out().replaceAll("\\s+", " ");
			String labels = help.substring(help.lastIndexOf("--labels=FILE"));
			assertTrue(labels.substring(0, labels.indexOf("--", 5)).contains(".npz of inputs alone"), command + ": " + labels);
		}
	}

	/**
	 * The README's exit codes are those every --help lists: the help listed 70 (a bug in Quantrace, its stack trace printed)
	 * and the README's paragraph, the contract a CI script reads, did not (hostile10).
	 */
	@Test
	void theReadmeListsEveryExitCodeTheHelpLists() throws java.io.IOException {
		String help = Cli.run("--help").out().replaceAll("\\s+", " ");
		String codes = help.substring(help.indexOf("Exit codes:"));
		String readme = java.nio.file.Files.readString(org.quantrace.testing.TestData.root().resolve("README.md")).replaceAll("\\s+", " ");
		String contract = readme.substring(readme.indexOf("Exit codes: "));
		java.util.regex.Matcher listed = java.util.regex.Pattern.compile("(?:: |; )([0-9]+) ([a-z]+)").matcher(codes);
		int seen = 0;
		while (listed.find()) {
			assertTrue(contract.matches("(?s).*[:;,] " + listed.group(1) + " .*"), "the README's exit codes name " + listed.group(1) + " (" + listed.group(2) + ")");
			seen++;
		}
		assertTrue(seen >= 7, codes);
	}

	/**
	 * Every command's help ends with every exit code the README promises (hostile8: run --help listed 0, 1 and 2 only, so a
	 * CI script reading it took a Ctrl-C's 130 or a failed run's 3 for something unknown).
	 */
	@Test
	void everyCommandsHelpListsEveryExitCode() {
		List<String> commands = new ArrayList<>(List.of(""));
		commands.addAll(COMMANDS.keySet());
		for (String name : commands) {
			Cli r = name.isEmpty() ? Cli.run("--help") : Cli.run(name, "--help");
			String help = r.out().replaceAll("\\s+", " ");
			for (String code : List.of("0 ok", "1 an acceptance criterion failed", "2 invalid input", "3 the work failed", "130 stopped by Ctrl-C",
					"143 stopped by SIGTERM")) {
				assertTrue(help.contains(code), "quantrace " + name + " --help names exit code '" + code + "':\n" + r.out());
			}
			assertFalse(help.contains("0 accepted, 1 a criterion failed"), name + " lists the codes once, not in its own words:\n" + r.out());
			assertEquals(0, r.exitCode(), name + " --help");
		}
	}

	/**
	 * picocli formats every help text as a format string: prune's "30 or 30%." and factorize's "95 or 95%." printed four lines
	 * of "[picocli WARN] Could not format ... Please ensure to escape '%' characters" above their help (round 27, unseen27).
	 * picocli's tracer writes to the System.err it saw when first loaded, so the texts are checked as written in the annotations
	 * (ArgSpec.description() gives them with %% already read as %).
	 */
	@Test
	void everyHelpTextIsAFormatPicocliCanRead() {
		List<CommandSpec> specs = new ArrayList<>(List.of(new CommandLine(new QuantraceCommand()).getCommandSpec()));
		COMMANDS.values().forEach(c -> specs.add(c.getCommandSpec()));
		for (CommandSpec spec : specs) {
			List<String> texts = new ArrayList<>(List.of(spec.usageMessage().header()));
			texts.addAll(List.of(spec.usageMessage().description()));
			texts.addAll(List.of(spec.usageMessage().footer()));
			spec.args().forEach(a -> texts.addAll(List.of(written(a))));
			for (String text : texts) {
				try {
					String.format(text);
				} catch (java.util.IllegalFormatException e) {
					throw new AssertionError(spec.qualifiedName() + ": picocli cannot format '" + text + "' (" + e + "): write a % as %%", e);
				}
			}
		}
	}

	/** An option's or a parameter's description as its annotation has it. */
	private static String[] written(ArgSpec arg) {
		if (arg.userObject() instanceof java.lang.reflect.AnnotatedElement e) {
			if (e.getAnnotation(CommandLine.Option.class) != null) {
				return e.getAnnotation(CommandLine.Option.class).description();
			}
			if (e.getAnnotation(CommandLine.Parameters.class) != null) {
				return e.getAnnotation(CommandLine.Parameters.class).description();
			}
		}
		return arg.description();
	}
}
