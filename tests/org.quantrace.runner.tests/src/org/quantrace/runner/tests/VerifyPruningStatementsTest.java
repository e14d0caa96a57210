package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.quantrace.model.TraceValues;
import org.quantrace.model.trace.LayerPruningRecord;
import org.quantrace.model.trace.Parameter;
import org.quantrace.model.trace.PruningRecord;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

/**
 * evidence17's forgeries of a pruning record, each made by a forger with Quantrace's own writer (trace.xmi edited, every
 * document and list made again from it), each passing verify before: the record's rows were checked against the models, but
 * not that every layer the files show pruned has one, nor what the record says beside them. A row left out (the totals put
 * right) hid that /features/features.4/Conv lost 14 of its 32 channels; a layer stated "not pruned" that lost channels; a
 * layer "held at the layer floor" said to keep more channels than the file holds. The example's CNN, channel pruning at 30 %
 * global (its first Conv is held at the floor, its last Gemm not pruned); the zoo's MobileNetV2 (depthwise Convs, whose
 * channels follow the layer they read) verifies clean.
 */
class VerifyPruningStatementsTest {

	private static final String PRUNE = """
			import "project.qr"

			recipe pruned {
				responsible "Quantrace example"
				model cnn "model/fashion_cnn_trained.onnx" id FASHION-CNN version 1
				dataset calib "data/calibration" role calibration labels "data/labels.json" samples 100
				preprocess { grayscale scale 1/255 }
				convert {
					eliminate dropout, batch-normalization
				}
				prune {
					pattern channel
					sparsity 30 %
				}
				schemes fiq_int8
			}
			""";

	private static final String CONV = "/features/features.4/Conv";

	private static Path out;

	private static synchronized Path out() {
		if (out == null) {
			out = Runs.exampleOut("verify-pruning-statements", "pruned.qr", PRUNE);
		}
		return out;
	}

	@Test
	void theHonestRunVerifiesClean() {
		assertEquals(List.of(), Verification.verify(out()).problems());
	}

	@Test
	void aPrunedLayersRowLeftOutIsFound() throws IOException {
		List<Problem> problems = forged("row-left-out", p -> {
			LayerPruningRecord row = p.getLayers().stream().filter(l -> l.getLayer().equals(CONV)).findFirst().orElseThrow();
			p.getLayers().remove(row);
			p.setParametersBefore(p.getParametersBefore() - row.getParametersBefore());
			p.setParametersAfter(p.getParametersAfter() - row.getParametersAfter());
			p.setAchievedSparsity(100 * (1 - p.getParametersAfter() / (double) p.getParametersBefore()));
		});
		Tampering.foundInTrace(problems, "pruning " + CONV, "no row", "14 output channels removed");
	}

	@Test
	void aPrunedLayerStatedNotPrunedIsFound() throws IOException {
		List<Problem> problems = forged("stated-not-pruned", p -> p.getAdditionalConfiguration().add(TraceValues.parameter("not pruned: " + CONV, "excluded by the recipe")));
		Tampering.foundInTrace(problems, "not pruned: " + CONV, "14 output channels removed");
	}

	@Test
	void aLayerFloorKeepingMoreChannelsThanTheFileIsFound() throws IOException {
		List<Problem> problems = forged("floor-kept-more", p -> {
			Parameter held = p.getAdditionalConfiguration().stream().filter(c -> c.getKey().startsWith("held at the layer floor: ")).findFirst().orElseThrow();
			held.setValue(held.getValue().replace("kept 9 of 16", "kept 12 of 16"));
		});
		Tampering.foundInTrace(problems, "held at the layer floor: /features/features.0/Conv", "kept 12 of 16", "kept 9 of 16 channels");
	}

	@Test
	void depthwiseConvolutionsFollowingPrunedLayersVerifyClean() throws IOException {
		Path dir = ZooRuns.run("verify-pruning-statements-mobilenet", "recipe zoo_mobilenetv2_pruned {\nresponsible \"tests\"\nmodel mobilenetv2 \"mobilenetv2.onnx\" id MOBILENETV2 version 1\n"
				+ ZooRuns.CALIBRATION + "prune {\npattern channel\nsparsity 10 %\n}\nschemes drq\n}\n", "mobilenetv2.onnx");
		assertEquals(List.of(), Verification.verify(dir.resolve("out")).problems());
	}

	/** verify's findings on a copy of the run whose pruning record {@code edit} changed, every document and list made again. */
	private static List<Problem> forged(String name, Consumer<PruningRecord> edit) {
		return Tampering.traceForged(out(), name, t -> edit.accept(t.getOptimizations().stream().filter(o -> o.getPruning() != null).findFirst().orElseThrow().getPruning()));
	}
}
