package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.model.QuantraceModel;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.TensorQuantizationRecord;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.report.EvidenceScope;
import org.quantrace.runner.Verification;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * An activation's calibrated range is the calibration's measurement, which no check of verify makes again: verify derives the scale
 * and zero point from the range the record holds, so a range widened together with its scale in the model passes (hostile21). The
 * Evidence list said "scales and zero points and the range they follow from" among the re-derived figures and named the calibrated
 * ranges nowhere, so an assessor read PhIMT0003's "[-17.2, 17.45]" as checked. They are the run's statement, and every document and
 * verify's note now say so; this test pins the statement to what verify does (were the ranges measured again, it would fail here).
 */
class VerifyCalibratedRangeTest {

	@Test
	void aCalibratedRangeWidenedWithItsScaleIsTheRunsStatementAndSaidSo() throws IOException {
		Path honest = Runs.fiqInt8Run("calibrated-range");
		Path out = Runs.copy(honest, honest.resolveSibling("out-widened"));
		TraceModel original = QuantraceModel.loadTrace(out.resolve("trace.xmi"));
		OptimizationRecord o = original.getOptimizations().stream().filter(x -> "fiq_int8".equals(x.getScheme())).findFirst().orElseThrow();
		List<TensorQuantizationRecord> logits = o.getQuantization().getTensors().stream().filter(t -> t.getTensor().equals("logits")).toList();
		assertFalse(logits.isEmpty(), "the output's records");
		double lo = logits.get(0).getRangeMin().get(0) * 1.25;
		double hi = logits.get(0).getRangeMax().get(0) * 1.25;
		float held = logits.get(0).getScales().get(0).floatValue();
		float widened = (float) ((hi - lo) / 255); // the asymmetric formula of both the uint8 and the int8 codes

		ModelProto m = ModelProto.parseFrom(Files.readAllBytes(out.resolve(o.getOutput().getPath())));
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
		Tampering.replacedOutput(out, "fiq_int8", m.toBuilder().setGraph(g).build().toByteArray(), r -> {
			r.getQuantization().getTensors().stream().filter(t -> t.getTensor().equals("logits")).forEach(t -> {
				t.getRangeMin().set(0, lo);
				t.getRangeMax().set(0, hi);
				t.getScales().set(0, (double) widened);
			});
			r.getOutput().getOutputs().stream().filter(t -> t.getName().equals("logits")).forEach(t -> t.setScale(widened)); // the int8 output's
		});

		Verification.Result r = Verification.verify(out);
		assertEquals(List.of(), r.problems(), "the range is the calibration's statement: nothing in the files measures it again");
		String statement = EvidenceScope.CALIBRATED_RANGES.figures();
		assertTrue(r.notes().contains("not re-derivable and not bound (only --expect FINGERPRINT binds them): " + EvidenceScope.line(EvidenceScope.Kind.STATEMENT)),
				r.notes().toString());
		assertTrue(EvidenceScope.line(EvidenceScope.Kind.STATEMENT).contains(statement));
		for (String log : List.of("logs/PhIMT0003-cnn.md", "report.html")) {
			String text = Tampering.read(out.resolve(log));
			assertTrue(text.contains(statement.substring(0, 60)), log + " says the calibrated ranges are the run's statement");
			assertFalse(text.contains("and the range they follow from"), log + " still says the ranges are re-derived");
		}
	}
}
