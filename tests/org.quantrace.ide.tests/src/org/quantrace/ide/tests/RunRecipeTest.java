package org.quantrace.ide.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quantrace.ide.tests.Workbench.RUN;
import static org.quantrace.ide.tests.Workbench.UI;
import static org.quantrace.ide.tests.Workbench.waitUntil;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.eclipse.core.resources.IFile;
import org.eclipse.core.resources.IFolder;
import org.eclipse.core.resources.IMarker;
import org.eclipse.core.resources.IProject;
import org.eclipse.core.runtime.IStatus;
import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.debug.core.ILaunchConfiguration;
import org.eclipse.debug.core.ILaunchConfigurationWorkingCopy;
import org.eclipse.debug.ui.DebugUITools;
import org.eclipse.ui.PlatformUI;
import org.eclipse.ui.handlers.IHandlerService;
import org.eclipse.ui.ide.IDE;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.ide.run.RecipeLaunches;
import org.quantrace.ide.run.RecipeRunJob;
import org.quantrace.ide.run.RunMarkers;
import org.quantrace.ide.workbench.ExampleProject;
import org.quantrace.runner.OutputOwnership;

/**
 * "Run Quantrace recipe" in the workbench: a launch configuration of the example's recipe with a criterion
 * the int8 model cannot meet runs as a job, writes its outputs into the workspace and marks the rejection.
 */
class RunRecipeTest {

	/** The "Run Quantrace Recipe" command of the context menus and the Quantrace menu. */
	private static final String RUN_COMMAND = "org.quantrace.ide.run.recipe";

	private static IProject project;
	private static IFile strict;
	private static String text;

	@BeforeAll
	static void recipe() throws Exception {
		Workbench.sizeWindow();
		project = Workbench.example();
		String example = Workbench.read(project.getFile(ExampleProject.RECIPE));
		text = example.replace("schemes unquantized, drq, fiq_float32, fiq_int8, fiq_uint8", "schemes drq, fiq_int8")
				.replace("accept when accuracy drop < 1 pt for drq, fiq_float32, fiq_int8, fiq_uint8", "accept when accuracy >= 0.99 for fiq_int8");
		strict = Workbench.write(project, "strict.qr", text);
	}

	private static ILaunchConfiguration configuration() throws Exception {
		ILaunchConfigurationWorkingCopy c = RecipeLaunches.configuration(strict).getWorkingCopy();
		assertEquals("quantrace-out/strict", c.getAttribute(RecipeLaunches.OUT, ""), "beside the recipe, as the command line's default");
		c.setAttribute(RecipeLaunches.OPEN_REPORT, false); // no browser under Xvfb
		return c.doSave();
	}

	private static RecipeRunJob launched() {
		return (RecipeRunJob) Workbench.waitFor("the run's job", () -> {
			Job[] jobs = Job.getJobManager().find(RecipeRunJob.FAMILY);
			return jobs.length > 0 ? jobs[0] : null;
		}, UI);
	}

	@Test
	void aRunWritesItsOutputsIntoTheWorkspaceAndMarksTheRejectedVariant() throws Exception {
		DebugUITools.launch(configuration(), "run");
		RecipeRunJob job = launched();
		assertTrue(job.isUser(), "a user job: it shows in the Progress view");
		waitUntil("the run", () -> job.getResult() != null, RUN);
		assertEquals(IStatus.OK, job.getResult().getSeverity(), job.getResult().toString());

		IFolder out = project.getFolder("quantrace-out/strict");
		for (String output : new String[] { "trace.xmi", "report.html", "results.json", "SHA256SUMS", "logs/PhIMT0002-cnn.md", "logs/PhIMT0003-cnn.md",
				"models/cnn/fiq_int8.onnx", "models/cnn/drq.onnx" }) {
			assertTrue(out.getFile(output).exists(), output + " is in the workspace (refreshed)");
		}
		assertTrue(out.isDerived(), "outputs are derived resources");
		assertEquals(1, job.outcome().exitCode(), "rejected, as the command line's exit code 1");

		IMarker[] markers = Workbench.markers(strict, RunMarkers.MARKER);
		assertEquals(1, markers.length, Arrays.toString(markers));
		IMarker rejected = markers[0];
		assertEquals(RunMarkers.REJECTED, rejected.getAttribute(RunMarkers.CODE, ""));
		assertEquals("fiq_int8", rejected.getAttribute(RunMarkers.VARIANT, ""));
		assertEquals(IMarker.SEVERITY_ERROR, rejected.getAttribute(IMarker.SEVERITY, -1));
		String message = rejected.getAttribute(IMarker.MESSAGE, "");
		assertTrue(message.startsWith("fiq_int8 rejected: accuracy >= 0.99 does not hold (measured 0.9"), message);
		int accept = text.indexOf("accept when accuracy >= 0.99");
		assertEquals(accept, rejected.getAttribute(IMarker.CHAR_START, -1), "on the criterion");
		assertEquals(text.substring(0, accept).chars().filter(c -> c == '\n').count() + 1, rejected.getAttribute(IMarker.LINE_NUMBER, -1));

		cancellingLeavesTheOutputsAsTheyWere(out);
		aSecondRunReplacesItsOwnOutputs(out);
	}

	/**
	 * The folder the first run wrote is the IDE's own output (it carries the runner's marker): a second run
	 * with fewer schemes replaces it whole, so the scheme it left out is gone, not kept from the first run.
	 */
	private void aSecondRunReplacesItsOwnOutputs(IFolder out) throws Exception {
		Path folder = out.getLocation().toFile().toPath();
		assertTrue(Files.isRegularFile(folder.resolve(OutputOwnership.MARKER)), "the first run marked its folder as a Quantrace output");
		ILaunchConfigurationWorkingCopy c = configuration().getWorkingCopy();
		c.setAttribute(RecipeLaunches.ONLY, "fiq_int8");
		DebugUITools.launch(c.doSave(), "run");
		RecipeRunJob job = launched();
		waitUntil("the second run", () -> job.getResult() != null, RUN);
		assertEquals(IStatus.OK, job.getResult().getSeverity(), "the IDE may replace what it wrote: " + job.getResult());
		assertEquals(1, job.outcome().exitCode());
		assertTrue(OutputOwnership.isOutput(folder), "still an output folder holding only what the run wrote");
		assertTrue(out.getFile("models/cnn/fiq_int8.onnx").exists());
		assertFalse(Files.exists(folder.resolve("models/cnn/drq.onnx")), "the first run's drq model went with its folder");
		assertFalse(out.getFile("models/cnn/drq.onnx").exists(), "and the workspace knows (refreshed)");
		assertEquals(0, leftovers(folder.getParent()).length, "nothing left beside it: " + Arrays.toString(leftovers(folder.getParent())));
		IMarker[] markers = Workbench.markers(strict, RunMarkers.MARKER);
		assertEquals(1, markers.length, "the new run's rejection replaces the old one: " + Arrays.toString(markers));
		assertEquals(RunMarkers.REJECTED, markers[0].getAttribute(RunMarkers.CODE, ""));
	}

	/**
	 * An output folder that holds the user's own files is refused before anything runs (the command line's
	 * custody rules): the job ends with a marker on the recipe naming the folder and what is in the way, not
	 * with an exception, and the user's file is untouched.
	 */
	@Test
	void aFolderThatIsNotAQuantraceOutputIsRefusedWithAMarker() throws Exception {
		IFile recipe = Workbench.write(project, "elsewhere.qr", text);
		IFolder notes = project.getFolder("notes");
		if (!notes.exists()) {
			notes.create(true, true, null);
		}
		IFile mine = Workbench.write(project, "notes/mine.txt", "the user's own notes\n");
		ILaunchConfigurationWorkingCopy c = RecipeLaunches.configuration(recipe).getWorkingCopy();
		c.setAttribute(RecipeLaunches.OUT, "notes");
		c.setAttribute(RecipeLaunches.OPEN_REPORT, false);
		c.doSave();
		// as the user starts it: "Run Quantrace Recipe" (the editor's context menu, the Quantrace menu) on the open
		// recipe, which runs the recipe's launch configuration
		IDE.openEditor(Workbench.page(), recipe, true);
		PlatformUI.getWorkbench().getService(IHandlerService.class).executeCommand(RUN_COMMAND, null);
		RecipeRunJob job = launched();
		waitUntil("the refused run", () -> job.getResult() != null, Workbench.UI);
		assertEquals("Running recipe elsewhere.qr", job.getName(), "the open recipe's run");
		Workbench.page().closeAllEditors(false);

		assertEquals(IStatus.WARNING, job.getResult().getSeverity(), "a refusal the user acts on, not an error: " + job.getResult());
		assertNull(job.getResult().getException(), "no exception: " + job.getResult());
		assertNull(job.outcome(), "nothing ran");
		IMarker[] markers = Workbench.markers(recipe, RunMarkers.MARKER);
		assertEquals(1, markers.length, Arrays.toString(markers));
		assertEquals(RunMarkers.FAILED, markers[0].getAttribute(RunMarkers.CODE, ""));
		assertEquals(IMarker.SEVERITY_ERROR, markers[0].getAttribute(IMarker.SEVERITY, -1));
		String message = markers[0].getAttribute(IMarker.MESSAGE, "");
		assertTrue(message.contains("notes: is not an output folder of quantrace (it has no " + OutputOwnership.MARKER + ")")
				&& message.contains("mine.txt") && message.contains("Recipe tab") && !message.contains("-o "), message);
		assertEquals("the user's own notes\n", Workbench.read(mine), "the user's file is untouched");
		try (Stream<Path> s = Files.list(notes.getLocation().toFile().toPath())) {
			assertEquals(List.of("mine.txt"), s.map(p -> p.getFileName().toString()).toList(), "nothing written into the folder");
		}
		assertEquals(0, leftovers(notes.getLocation().toFile().toPath().getParent()).length, "nor beside it");
	}

	/**
	 * A JPEG cut mid-scan in the calibration data (its header whole): the run stops when calibration decodes it and writes
	 * nothing, and the CLI says so on the dataset's line; the marker on the recipe's first line said "nothing was run: the
	 * recipe has 1 error", which the console contradicted (the conversion had run). It now says the run stopped there.
	 */
	@Test
	void aDamagedImageFoundMidRunIsMarkedAsTheRunStoppingOnIt() throws Exception {
		Path calibration = project.getFolder("data/calibration").getLocation().toFile().toPath();
		Path cut = calibration.resolveSibling("calibration-cut");
		try (Stream<Path> all = Files.walk(calibration)) {
			for (Path p : all.toList()) {
				Path to = cut.resolve(calibration.relativize(p).toString());
				if (Files.isDirectory(p)) {
					Files.createDirectories(to);
				} else if (!Files.exists(to)) {
					Files.copy(p, to);
				}
			}
		}
		java.awt.image.BufferedImage noise = new java.awt.image.BufferedImage(28, 28, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
		java.util.Random random = new java.util.Random(1);
		for (int y = 0; y < 28; y++) {
			for (int x = 0; x < 28; x++) {
				noise.getRaster().setSample(x, y, 0, random.nextInt(256));
			}
		}
		Path odd = cut.resolve("tshirt_top/zzz_cut.jpg");
		javax.imageio.ImageIO.write(noise, "jpg", odd.toFile());
		byte[] whole = Files.readAllBytes(odd);
		Files.write(odd, Arrays.copyOf(whole, whole.length * 2 / 3));
		project.refreshLocal(org.eclipse.core.resources.IResource.DEPTH_INFINITE, null);
		IFile recipe = Workbench.write(project, "cut.qr", text.replace("\"data/calibration\"", "\"data/calibration-cut\""));
		ILaunchConfigurationWorkingCopy c = RecipeLaunches.configuration(recipe).getWorkingCopy();
		c.setAttribute(RecipeLaunches.OPEN_REPORT, false);
		DebugUITools.launch(c.doSave(), "run");
		RecipeRunJob job = launched();
		waitUntil("the stopped run", () -> job.getResult() != null, RUN);
		assertTrue(job.outcome() != null && job.outcome().stopped(), "the premise: found once the work had started");
		IMarker[] markers = Workbench.markers(recipe, RunMarkers.MARKER);
		IMarker summary = Arrays.stream(markers).filter(m -> m.getAttribute(IMarker.LINE_NUMBER, -1) == 1 && RunMarkers.FAILED.equals(m.getAttribute(RunMarkers.CODE, "")))
				.findFirst().orElseThrow(() -> new AssertionError(Arrays.toString(markers)));
		String message = summary.getAttribute(IMarker.MESSAGE, "");
		assertTrue(message.startsWith("the run stopped on a sample it could not read: nothing was written") && !message.contains("nothing was run"), message);
		assertTrue(Arrays.stream(markers).anyMatch(m -> "data-unreadable".equals(m.getAttribute(RunMarkers.CODE, ""))
				&& m.getAttribute(IMarker.MESSAGE, "").contains("zzz_cut.jpg")), "on the dataset's line: " + Arrays.toString(markers));
	}

	/** What a run leaves beside its output folder while it runs (.NAME.partial-PID, .NAME.old-PID, .NAME.lock). */
	private static Path[] leftovers(Path parent) {
		try (Stream<Path> s = Files.list(parent)) {
			return s.filter(p -> p.getFileName().toString().matches("\\..+\\.(partial-\\d+|old-\\d+|lock)")).toArray(Path[]::new);
		} catch (java.io.IOException e) {
			return new Path[0];
		}
	}

	/** A second run, cancelled while it writes: the first run's outputs stay, nothing half-written is left. */
	private void cancellingLeavesTheOutputsAsTheyWere(IFolder out) throws Exception {
		Path folder = out.getLocation().toFile().toPath();
		byte[] sums = Files.readAllBytes(folder.resolve("SHA256SUMS"));
		byte[] trace = Files.readAllBytes(folder.resolve("trace.xmi"));
		Path parent = folder.getParent();
		DebugUITools.launch(configuration(), "run");
		RecipeRunJob job = launched();
		waitUntil("the run writing its outputs", () -> partial(parent).length > 0 || job.getResult() != null, RUN);
		job.cancel();
		waitUntil("the cancelled run", () -> job.getResult() != null, RUN);
		assertEquals(IStatus.CANCEL, job.getResult().getSeverity(), "cancelled while it ran: " + job.getResult());
		assertArrayEquals(sums, Files.readAllBytes(folder.resolve("SHA256SUMS")), "the previous outputs stay");
		assertArrayEquals(trace, Files.readAllBytes(folder.resolve("trace.xmi")));
		assertEquals(0, partial(parent).length, "no half-written folder left: " + Arrays.toString(partial(parent)));
		assertEquals(1, Workbench.markers(strict, RunMarkers.MARKER).length, "the previous run's rejection stays marked");
	}

	private static Path[] partial(Path parent) {
		try (Stream<Path> s = Files.list(parent)) {
			return s.filter(p -> p.getFileName().toString().startsWith(".strict.partial-")).toArray(Path[]::new);
		} catch (java.io.IOException e) {
			return new Path[0];
		}
	}

	/**
	 * A warning the run's work finds (a prune step that prunes nothing) is a warning marker on the prune step's line, with its code: the
	 * markers came only from the outcome's diagnostics, which held the checks' before any work, so the IDE showed none (warn67).
	 */
	@Test
	void aWarningTheRunsWorkFindsIsAMarkerOnItsLine() throws Exception {
		IFile warns = Workbench.write(project, "warns.qr", """
				recipe warns {
					model cnn "model/fashion_cnn_trained.onnx"
					dataset calib "data/calibration" role calibration labels "data/labels.json" samples 20
					dataset eval "data/evaluation" role evaluation labels "data/labels.json" samples 20
					preprocess { grayscale scale 1/255 }
					prune { pattern channel sparsity 20 % exclude "/features/*", "/classifier/classifier.1/*" }
					schemes fiq_int8
					evaluate on eval metrics accuracy
				}
				""");
		ILaunchConfigurationWorkingCopy c = RecipeLaunches.configuration(warns).getWorkingCopy();
		c.setAttribute(RecipeLaunches.OPEN_REPORT, false); // no browser under Xvfb
		DebugUITools.launch(c.doSave(), "run");
		RecipeRunJob job = launched();
		waitUntil("the run", () -> job.getResult() != null, RUN);
		assertEquals(0, job.outcome().exitCode(), job.outcome().diagnostics().toString());
		IMarker[] markers = Workbench.markers(warns, RunMarkers.MARKER);
		IMarker prune = Arrays.stream(markers).filter(m -> "prune-sparsity-short".equals(m.getAttribute(RunMarkers.CODE, ""))).findFirst()
				.orElseThrow(() -> new AssertionError(Arrays.toString(markers)));
		assertEquals(IMarker.SEVERITY_WARNING, prune.getAttribute(IMarker.SEVERITY, -1));
		assertEquals(6, prune.getAttribute(IMarker.LINE_NUMBER, -1), "on the prune step's line");
		String message = prune.getAttribute(IMarker.MESSAGE, "");
		assertTrue(message.startsWith("prune: achieved sparsity 0 % of the 20 % requested") && message.endsWith("[prune-sparsity-short]"), message);
	}

	@Test
	void aConfigurationWithoutItsRecipeSaysWhatIsMissing() throws Exception {
		ILaunchConfigurationWorkingCopy c = RecipeLaunches.configuration(strict).copy("missing");
		c.setAttribute(RecipeLaunches.RECIPE, "/" + project.getName() + "/gone.qr");
		Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> RecipeLaunches.job(c));
		assertTrue(e.getMessage().contains("gone.qr") && e.getMessage().contains("Recipe tab"), e.getMessage());
	}
}
