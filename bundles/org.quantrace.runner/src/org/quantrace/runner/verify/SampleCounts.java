package org.quantrace.runner.verify;

import static org.quantrace.runner.verify.Figures.same;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.quantrace.model.trace.DatasetRecord;
import org.quantrace.model.trace.EvaluationRecord;
import org.quantrace.model.trace.TraceModel;

/**
 * The sample counts the trace records (and the documents print: "Evaluation on eval, 200 samples"), held against what the folder
 * holds without running a model: an image folder's dataset record against its manifest's lines (one image a sample: the
 * manifest lists the files read), and each evaluation against its dataset's record (an evaluation reads the whole dataset as
 * declared). Before, both were re-derived by {@code verify --deep} alone: an evaluation's 200 made 2,000 with every hash
 * recomputed passed the cheap path.
 */
final class SampleCounts {

	/** Files an image-folder dataset reads one sample from; a manifest of other files (.npy, CSV, IDX) holds many a file. */
	private static final Set<String> IMAGES = Set.of("png", "jpg", "jpeg", "bmp", "gif", "tif", "tiff", "webp", "pgm", "ppm", "pnm");

	/** A manifest verify reads: far above any run's (a line of ~100 bytes a file). */
	private static final long MAX_MANIFEST_BYTES = 256L << 20;

	private SampleCounts() {
	}

	static void check(Path out, TraceModel trace, List<Mismatch> found) {
		for (DatasetRecord d : trace.getDatasets()) {
			List<String> files = manifest(out, d.getManifestPath());
			if (files != null && !files.isEmpty() && files.stream().allMatch(SampleCounts::image)) {
				same(found, TraceCheck.DOCUMENT, "dataset " + d.getId() + " sampleCount (the images its manifest " + d.getManifestPath() + " lists)",
						d.getSampleCount(), files.size());
			}
		}
		for (EvaluationRecord r : trace.getEvaluations()) {
			if (r.getDataset() != null) {
				same(found, TraceCheck.DOCUMENT, "evaluation " + r.getId() + " sampleCount (its dataset " + r.getDataset().getId() + "'s record)", r.getSampleCount(),
						r.getDataset().getSampleCount());
			}
		}
	}

	/** The paths a manifest in the folder lists ("SHA-256  size  path" lines); null when it is not a plain file of the folder. */
	private static List<String> manifest(Path out, String path) {
		if (path == null || path.startsWith("/") || path.contains("..")) {
			return null;
		}
		Path file = out.resolve(path);
		try {
			if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || Files.size(file) > MAX_MANIFEST_BYTES) {
				return null;
			}
			return Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).map(l -> l.substring(l.lastIndexOf("  ") + 2)).toList();
		} catch (IOException | RuntimeException e) { // unreadable or not text: the folder check names the file
			return null;
		}
	}

	private static boolean image(String path) {
		int dot = path.lastIndexOf('.');
		return dot > 0 && IMAGES.contains(path.substring(dot + 1).toLowerCase(Locale.ROOT));
	}
}
