package org.quantrace.engine.evaluate.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.Progress;
import org.quantrace.engine.calibrate.Range;
import org.quantrace.engine.evaluate.DebugOutputs;
import org.quantrace.engine.evaluate.DebugReport;
import org.quantrace.engine.evaluate.QuantizationDebugger;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationSpec;
import org.quantrace.engine.quantize.Schemes;
import org.quantrace.model.recipe.DebugMetric;
import org.quantrace.testing.TestData;

class DebuggerTest {

	private static final OnnxModel CNN = OnnxModel.load(TestData.data("models/fashion_mnist_cnn.onnx"));

	@Test
	void healthyModelHasRmseOverScaleNearOneOverRootTwelve() throws Exception {
		OnnxModel q = Models.quantize(CNN, "fiq_int8");
		DebugReport r = QuantizationDebugger.debug(CNN, "cnn", q, "fiq_int8", Models.CALIBRATION, 64, DebugMetric.RMSE_OVER_SCALE, 0.5, Progress.NONE);
		assertTrue(r.tensors().size() >= 8, "activations of every layer: " + r.tensors().size());
		assertTrue(r.tensors().stream().noneMatch(DebugReport.TensorDebug::flagged));
		DebugReport.TensorDebug logits = r.tensors().get(r.tensors().size() - 1);
		assertEquals("logits", logits.tensor());
		assertEquals(1 / Math.sqrt(12), logits.isolated().rmseOverScale(), 0.05, "uniform rounding noise on a dense output");
		assertTrue(logits.accumulated().sqnr() > 20, "the quantized model tracks the float one: " + logits.accumulated().sqnr() + " dB");
		assertTrue(logits.accumulated().cosineSimilarity() > 0.99);

		Path dir = TestData.tempDir("debug");
		List<Path> files = DebugOutputs.write(r, dir);
		assertEquals(1 + DebugOutputs.CHARTS.size(), files.size());
		List<String> csv = Files.readAllLines(dir.resolve("debug.csv"));
		assertEquals(1 + 2 * r.tensors().size(), csv.size(), "a row per tensor and mode");
		assertTrue(csv.get(0).startsWith("layer_index,op,node,tensor,scale,zero_point,params_from,mode,num_elements,stddev,mean_error,max_abs_error"));
		for (Path svg : files.subList(1, files.size())) { // well-formed XML with a point per tensor
			var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(svg.toFile());
			assertEquals("svg", doc.getDocumentElement().getTagName());
			assertEquals(r.tensors().size(), doc.getElementsByTagName("circle").getLength(), svg.toString());
		}
	}

	@Test
	void aDeliberatelyBrokenLayerIsTheOneFlagged() throws IOException {
		String secondConv = CNN.graph().nodes().stream().filter(n -> n.opType().equals("Conv")).skip(1).findFirst().orElseThrow().name();
		// the real range is several times wider: most values clip
		QuantizationSpec broken = Schemes.preset("fiq_float32").toBuilder().name("broken")
				.override(new QuantizationSpec.Override(secondConv, null, null, new Range(0, 0.2))).build();
		OnnxModel q = Models.quantize(CNN, broken);
		DebugReport r = QuantizationDebugger.debug(CNN, "cnn", q, "broken", Models.CALIBRATION, 64, DebugMetric.RMSE_OVER_SCALE, 0.5, Progress.NONE);
		List<DebugReport.TensorDebug> flagged = r.tensors().stream().filter(DebugReport.TensorDebug::flagged).toList();
		assertEquals(1, flagged.size(), "only the broken layer: " + flagged);
		assertEquals("/r2/Relu_output_0", flagged.get(0).tensor(), "the second convolution's (Relu-fused) output");
		assertEquals(List.of("/r2/Relu"), r.exclusionCandidates());
		// the pooled and flattened codes reuse that scale: as wrong, but reported as inherited rather than flagged
		for (String moved : List.of("/p2/MaxPool_output_0", "/f/Flatten_output_0")) {
			DebugReport.TensorDebug t = r.tensors().stream().filter(x -> x.tensor().equals(moved)).findFirst().orElseThrow();
			assertEquals("/r2/Relu_output_0", t.paramsFrom(), moved);
			assertTrue(t.isolated().rmseOverScale() > 0.5 && !t.flagged(), moved);
		}
		DebugReport.TensorDebug after = r.tensors().stream().filter(t -> t.tensor().equals("logits")).findFirst().orElseThrow();
		assertTrue(after.accumulated().rmseOverScale() > after.isolated().rmseOverScale() * 3, "its error accumulates downstream");
	}
}
