package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.Progress;
import org.quantrace.model.QuantraceModel;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.TensorQuantizationRecord;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * Ranges a moving-average or percentile calibration recorded are measured again by {@code verify --deep} (deepq65), as min-max
 * ranges are (VerifyCalibratedRangeTest): before, they were the run's statement, and a range widened together with its scale in the
 * model, the trace and every log passed verify and --deep alike. Each test: the honest run is clean under --deep and its note says the
 * ranges were measured again; the output's range widened by 25 % everywhere (every document made again, resealed) passes plain verify
 * and --deep names the tensor, the recorded range and the measured one.
 */
class VerifyCalibratedRangeMethodsTest {

	@Test
	void aMovingAverageRangeWidenedEverywhereIsFound() throws IOException {
		forgedRangeIsFound("moving-average", "calibrate moving-average batch 8", "moving-average ranges", "re-derived [");
	}

	@Test
	void aPercentileRangeWidenedEverywhereIsFound() throws IOException {
		forgedRangeIsFound("percentile", "calibrate percentile 99.9", "percentile ranges", "re-derived ");
	}

	@Test
	void anEntropyRangeWidenedEverywhereIsFound() throws IOException {
		forgedRangeIsFound("entropy", "calibrate entropy", "entropy ranges", "re-derived ");
	}

	@Test
	void anL2RangeWidenedEverywhereIsFound() throws IOException {
		forgedRangeIsFound("l2", "calibrate l2", "l2 ranges", "re-derived ");
	}

	private static void forgedRangeIsFound(String name, String calibrate, String noted, String rederived) throws IOException {
		Path dir = Runs.exampleCopy("calibrated-" + name);
		Path out = dir.resolve("out");
		Path recipe = Runs.recipe(dir, "int8.qr", "quantize m_int8 extends fiq_int8 \"" + name + " ranges\" {\n\t" + calibrate + "\n}\n\n"
				+ "recipe int8 {\n\tmodel cnn \"model/fashion_cnn_trained.onnx\"\n" + """
					dataset calib "data/calibration" role calibration format folder labels "data/labels.json" samples 50
					dataset eval "data/evaluation" role evaluation format folder labels "data/labels.json" samples 50
					preprocess { grayscale scale 1/255 layout NCHW dtype float32 }
					convert { eliminate dropout, batch-normalization }
					schemes m_int8
					evaluate on eval metrics accuracy
				}
				""");
		assertEquals(0, Runs.run(recipe, out).exitCode(), "the " + name + " run");
		Verification.Result clean = deep(out, recipe);
		assertEquals(List.of(), clean.problems(), "the honest run verifies clean with --deep");
		assertTrue(clean.notes().stream().anyMatch(n -> n.matches("optimization \\S+ calibrated range \\(re-measured\\): \\d+ " + noted + " \\(of \\d+ tensors\\) measured"
				+ " again on 50 calibration samples of calib in verify's own session .*")), clean.notes().toString());

		Path forged = Runs.copy(out, dir.resolve("out-widened"));
		TraceModel original = QuantraceModel.loadTrace(forged.resolve("trace.xmi"));
		OptimizationRecord o = original.getOptimizations().stream().filter(x -> "m_int8".equals(x.getScheme())).findFirst().orElseThrow();
		List<TensorQuantizationRecord> logits = o.getQuantization().getTensors().stream().filter(t -> t.getTensor().equals("logits")).toList();
		assertFalse(logits.isEmpty(), "the output's records");
		double lo = logits.get(0).getRangeMin().get(0) * 1.25;
		double hi = logits.get(0).getRangeMax().get(0) * 1.25;
		float held = logits.get(0).getScales().get(0).floatValue();
		float widened = (float) ((hi - lo) / 255);
		ModelProto m = ModelProto.parseFrom(Files.readAllBytes(forged.resolve(o.getOutput().getPath())));
		GraphProto.Builder g = m.getGraph().toBuilder();
		int changed = 0;
		for (int i = 0; i < g.getInitializerCount(); i++) {
			TensorProto t = g.getInitializer(i);
			if (t.getDataType() == TensorProto.DataType.FLOAT_VALUE && t.getDimsCount() == 0 && t.getRawData().size() == 4 && Tampering.floats(t)[0] == held) {
				g.setInitializer(i, Tampering.times(t, 0, widened / held));
				changed++;
			}
		}
		assertTrue(changed > 0, "the output's scale in the model");
		Tampering.replacedOutput(forged, "m_int8", m.toBuilder().setGraph(g).build().toByteArray(), r -> {
			r.getQuantization().getTensors().stream().filter(t -> t.getTensor().equals("logits")).forEach(t -> {
				t.getRangeMin().set(0, lo);
				t.getRangeMax().set(0, hi);
				t.getScales().set(0, (double) widened);
			});
			r.getOutput().getOutputs().stream().filter(t -> t.getName().equals("logits")).forEach(t -> t.setScale(widened));
		});
		assertEquals(List.of(), Verification.verify(forged).problems(), "plain verify derives the scale from the range: it cannot see a range widened everywhere");
		List<Problem> found = deep(forged, recipe).problems();
		assertEquals(1, found.stream().filter(p -> p.what().contains("calibrated range (re-measured)")).count(), found.toString());
		Tampering.foundInTrace(found, "calibrated range (re-measured) tensor 'logits': says [" + lo + ", " + hi + "] (its scale " + (double) widened, rederived);
	}

	private static Verification.Result deep(Path out, Path recipe) {
		return Verification.verify(out, new Verification.Options(recipe, null, false, true, Progress.NONE));
	}
}
