package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * Forgeries only entropy67's searches can see (forge67). VerifyCalibratedRangeMethodsTest widens a range beyond the values'
 * extremes, which the older "within the values' smallest and largest" rule names as well; here a range is moved inside the values,
 * onto another edge of the run's histogram, with its scale in the model, the trace and every log (resealed): plain verify derives
 * the scale from the range and cannot see it, and only the L2 search of {@code verify --deep} (L2Ranges) can.
 */
class VerifyDeepRangeForgeriesTest {

	private static final String GROUP = "/features/features.6/Relu_output_0"; // shares its codes with the MaxPool and Flatten after it

	/**
	 * L2: the upper end of a ReLU's group moved 5 bins down (the range stays on an edge of the histogram over [0, max], inside the
	 * values). The run's min-max scheme on the same samples gives max, so the test knows the run's bin width without verify's code.
	 */
	@Test
	void anL2EndMovedInsideTheValuesIsFound() throws IOException {
		Path dir = Runs.exampleCopy("forged-l2-end");
		Path out = dir.resolve("out");
		Path recipe = Runs.recipe(dir, "int8.qr", """
				quantize m_l2 extends fiq_int8 "l2 ranges" {
					calibrate l2
				}
				quantize m_mm extends fiq_int8 "min-max ranges, for the bin width" {
					calibrate minmax
				}

				recipe int8 {
					model cnn "model/fashion_cnn_trained.onnx"
					dataset calib "data/calibration" role calibration format folder labels "data/labels.json" samples 20
					preprocess { grayscale scale 1/255 layout NCHW dtype float32 }
					convert { eliminate dropout, batch-normalization }
					schemes m_l2, m_mm
				}
				""");
		assertEquals(0, Runs.run(recipe, out).exitCode(), "the l2 run");
		assertEquals(List.of(), deep(out, recipe).problems(), "the honest run verifies clean with --deep");

		Path forged = Runs.copy(out, dir.resolve("out-moved"));
		TraceModel trace = QuantraceModel.loadTrace(forged.resolve("trace.xmi"));
		OptimizationRecord l2 = scheme(trace, "m_l2");
		TensorQuantizationRecord relu = record(l2, GROUP);
		assertEquals(0.0, relu.getRangeMin().get(0), 0.0, "a ReLU's range starts at 0");
		double max = record(scheme(trace, "m_mm"), GROUP).getRangeMax().get(0);
		int bins = (int) Double.parseDouble(l2.getQuantization().getCalibration().getParameters().stream().filter(p -> p.getKey().equals("histogram bins"))
				.findFirst().orElseThrow().getValue().trim().split(" ", 2)[0]);
		double width = max / bins;
		double hi = relu.getRangeMax().get(0);
		double edge = hi / width;
		assertTrue(Math.abs(edge - Math.rint(edge)) < 1e-3 && Math.rint(edge) > 10, "the run's upper end lies on a bin edge over [0, max]: " + edge);
		double moved = (Math.rint(edge) - 5) * width;
		forge(forged, "m_l2", relu, moved);

		assertEquals(List.of(), Verification.verify(forged).problems(), "plain verify derives the scale from the range: it cannot see the end moved");
		List<Problem> found = deep(forged, recipe).problems();
		assertEquals(1, found.size(), found.toString());
		Tampering.foundInTrace(found, "calibrated range (re-measured) tensor '" + GROUP + "'", "says [0.0, " + moved + "]", "bins 0-" + ((int) Math.rint(edge) - 1)
				+ " of the " + bins);
	}

	/**
	 * Percentile: the group of the first ReLU and the MaxPool after it shares the ReLU's codes, so its range is the ReLU's percentile;
	 * forged to the MaxPool's own percentile (a member's, not the source's: before entropy67 any member's passed). The MaxPool's own
	 * percentile is the run's of a copy of the model that adds 0 to the MaxPool's output (an Add records a range of its own).
	 */
	@Test
	void aPercentileGroupRecordedAtTheWrongMembersRangeIsFound() throws IOException {
		Path dir = Runs.exampleCopy("forged-percentile-member");
		ModelProto model = ModelProto.parseFrom(Files.readAllBytes(dir.resolve("model/fashion_cnn_trained.onnx")));
		Files.write(dir.resolve("model/plus0.onnx"), plusZero(model, POOLED).toByteArray());
		Path variant = Runs.recipe(dir, "plus0.qr", percentileRecipe("model/plus0.onnx"));
		Path variantOut = dir.resolve("out-plus0");
		assertEquals(0, Runs.run(variant, variantOut).exitCode(), "the run of the model adding 0 to the MaxPool's output");
		TraceModel variantTrace = QuantraceModel.loadTrace(variantOut.resolve("trace.xmi"));
		double pooled = record(scheme(variantTrace, "m_pct"), "plus0").getRangeMax().get(0);
		double source = record(scheme(variantTrace, "m_pct"), POOLED).getRangeMax().get(0);
		assertTrue(pooled > source * 1.05, "the MaxPool's own percentile lies above its input's: " + pooled + " against " + source);

		Path recipe = Runs.recipe(dir, "int8.qr", percentileRecipe("model/fashion_cnn_trained.onnx"));
		Path out = dir.resolve("out");
		assertEquals(0, Runs.run(recipe, out).exitCode(), "the percentile run");
		assertEquals(List.of(), deep(out, recipe).problems(), "the honest run verifies clean with --deep");
		Path forged = Runs.copy(out, dir.resolve("out-member"));
		OptimizationRecord pct = scheme(QuantraceModel.loadTrace(forged.resolve("trace.xmi")), "m_pct");
		TensorQuantizationRecord relu = record(pct, RELU);
		assertEquals(source, relu.getRangeMax().get(0), 0.0, "the ReLU's percentile, as in the run of the copy");
		assertEquals(source, record(pct, POOLED).getRangeMax().get(0), 0.0, "the MaxPool shares the ReLU's range");
		forge(forged, "m_pct", relu, pooled);

		assertEquals(List.of(), Verification.verify(forged).problems(), "plain verify derives the scale from the range: it cannot see the range moved");
		List<Problem> found = deep(forged, recipe).problems();
		assertEquals(1, found.size(), found.toString());
		Tampering.foundInTrace(found, "calibrated range (re-measured) tensor '" + RELU + "' (sharing its codes with '" + POOLED + "')", "says [-0.0, " + pooled + "]");
	}

	private static final String RELU = "/features/features.2/Relu_output_0";
	private static final String POOLED = "/features/features.3/MaxPool_output_0";

	private static String percentileRecipe(String model) {
		return """
				quantize m_pct extends fiq_int8 "percentile ranges" {
					calibrate percentile 99.9
				}

				recipe int8 {
					model cnn "MODEL"
					dataset calib "data/calibration" role calibration format folder labels "data/labels.json" samples 20
					preprocess { grayscale scale 1/255 layout NCHW dtype float32 }
					convert { eliminate dropout, batch-normalization }
					schemes m_pct
				}
				""".replace("MODEL", model);
	}

	/** {@code model} with {@code tensor} + 0 read where {@code tensor} was (the Add's output "plus0"): the same values, a range of their own. */
	private static ModelProto plusZero(ModelProto model, String tensor) {
		GraphProto.Builder g = model.getGraph().toBuilder();
		int producer = -1;
		for (int i = 0; i < g.getNodeCount(); i++) {
			var n = g.getNode(i).toBuilder();
			for (int k = 0; k < n.getInputCount(); k++) {
				if (n.getInput(k).equals(tensor)) {
					n.setInput(k, "plus0");
				}
			}
			g.setNode(i, n);
			producer = n.getOutputList().contains(tensor) ? i : producer;
		}
		g.addInitializer(TensorProto.newBuilder().setName("zero").setDataType(TensorProto.DataType.FLOAT_VALUE).addFloatData(0f));
		g.addNode(producer + 1, ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setOpType("Add").setName("plus0").addInput(tensor).addInput("zero").addOutput("plus0"));
		return model.toBuilder().setGraph(g).build();
	}

	/**
	 * Every record sharing {@code r}'s range (its codes group) set to [0, {@code hi}], and the scale the model holds for it (uint8, zero
	 * point 0: hi / 255) in the model file; the int32 biases of the layers reading the group quantized again at the new input scale
	 * (QuantMath's formula: the forger may use the engine), in the model and their records; every document made again and resealed.
	 */
	private static void forge(Path out, String scheme, TensorQuantizationRecord r, double hi) throws IOException {
		double oldHi = r.getRangeMax().get(0);
		float held = r.getScales().get(0).floatValue();
		float scale = (float) (hi / 255);
		assertEquals(0, r.getZeroPoints().isEmpty() ? 0 : r.getZeroPoints().get(0), "a ReLU's uint8 zero point");
		TraceModel trace = QuantraceModel.loadTrace(out.resolve("trace.xmi"));
		OptimizationRecord o = scheme(trace, scheme);
		List<String> group = o.getQuantization().getTensors().stream().filter(t -> t.getRangeMax().size() == 1 && t.getRangeMax().get(0) == oldHi)
				.map(TensorQuantizationRecord::getTensor).distinct().toList();
		ModelProto floats = ModelProto.parseFrom(Files.readAllBytes(out.resolve(o.getInput().getPath())));
		java.util.Set<String> readers = new java.util.HashSet<>();
		floats.getGraph().getNodeList().stream().filter(n -> n.getInputList().stream().anyMatch(group::contains)).forEach(n -> readers.add(n.getName()));
		java.util.Map<String, double[]> biasScales = new java.util.HashMap<>();
		java.util.Map<String, int[]> biasCodes = new java.util.HashMap<>();
		for (TensorQuantizationRecord b : o.getQuantization().getTensors()) {
			if (b.getRole() != org.quantrace.model.trace.TensorRole.BIAS || !readers.contains(b.getNode())) {
				continue;
			}
			TensorQuantizationRecord w = o.getQuantization().getTensors().stream().filter(x -> x.getRole() == org.quantrace.model.trace.TensorRole.WEIGHT
					&& x.getNode().equals(b.getNode())).findFirst().orElseThrow();
			float[] ws = new float[w.getScales().size()];
			double[] bs = new double[ws.length];
			for (int c = 0; c < ws.length; c++) {
				ws[c] = w.getScales().get(c).floatValue();
				bs[c] = scale * ws[c];
			}
			float[] bias = Tampering.floats(floats.getGraph().getInitializerList().stream().filter(t -> t.getName().equals(b.getTensor())).findFirst().orElseThrow());
			biasScales.put(b.getTensor(), bs);
			biasCodes.put(b.getTensor(), org.quantrace.engine.quantize.QuantMath.quantizeBias(bias, scale, ws));
		}
		assertTrue(!biasCodes.isEmpty(), "the layers reading the group: " + readers);
		ModelProto m = ModelProto.parseFrom(Files.readAllBytes(out.resolve(o.getOutput().getPath())));
		GraphProto.Builder g = m.getGraph().toBuilder();
		int changed = 0;
		for (int i = 0; i < g.getInitializerCount(); i++) {
			TensorProto t = g.getInitializer(i);
			String bias = t.getName().replaceAll("_(q|scale)$", "");
			if (t.getDataType() == TensorProto.DataType.FLOAT_VALUE && t.getDimsCount() == 0 && t.getRawData().size() == 4 && Tampering.floats(t)[0] == held) {
				g.setInitializer(i, raw(t, java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(scale)));
				changed++;
			} else if (t.getName().endsWith("_scale") && biasScales.containsKey(bias)) {
				java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(biasScales.get(bias).length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
				for (double v : biasScales.get(bias)) {
					b.putFloat((float) v);
				}
				g.setInitializer(i, raw(t, b));
			} else if (t.getName().endsWith("_q") && biasCodes.containsKey(bias)) {
				java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(biasCodes.get(bias).length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
				for (int v : biasCodes.get(bias)) {
					b.putInt(v);
				}
				g.setInitializer(i, raw(t, b));
			}
		}
		assertTrue(changed > 0, "the group's scale in the model");
		Tampering.replacedOutput(out, scheme, m.toBuilder().setGraph(g).build().toByteArray(), x -> x.getQuantization().getTensors().forEach(t -> {
			if (group.contains(t.getTensor()) && t.getRangeMax().size() == 1 && t.getRangeMax().get(0) == oldHi && t.getScales().size() == 1) {
				t.getRangeMax().set(0, hi);
				t.getScales().set(0, (double) scale);
			} else if (t.getRole() == org.quantrace.model.trace.TensorRole.BIAS && biasScales.containsKey(t.getTensor()) && readers.contains(t.getNode())) {
				double[] bs = biasScales.get(t.getTensor());
				for (int c = 0; c < bs.length; c++) {
					t.getScales().set(c, (double) (float) bs[c]);
				}
			}
		}));
	}

	private static TensorProto raw(TensorProto t, java.nio.ByteBuffer bytes) {
		return t.toBuilder().clearFloatData().clearInt32Data().setRawData(com.google.protobuf.ByteString.copyFrom(bytes.array())).build();
	}

	private static OptimizationRecord scheme(TraceModel trace, String scheme) {
		return trace.getOptimizations().stream().filter(x -> scheme.equals(x.getScheme())).findFirst().orElseThrow();
	}

	private static TensorQuantizationRecord record(OptimizationRecord o, String tensor) {
		return o.getQuantization().getTensors().stream().filter(t -> t.getTensor().equals(tensor) && t.getRangeMax().size() == 1).findFirst().orElseThrow();
	}

	private static Verification.Result deep(Path out, Path recipe) {
		return Verification.verify(out, new Verification.Options(recipe, null, false, true, Progress.NONE));
	}
}
