package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.Progress;
import org.quantrace.model.QuantraceModel;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.TensorQuantizationRecord;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.report.EvidenceScope;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * An activation's min-max range is measured again by {@code verify --deep} (verify63). Plain verify derives the scale and zero point
 * from the range the record holds, so a range widened together with its scale in the model, the trace and every log passes it
 * (hostile21); --deep measures each tensor's smallest and largest value over the calibration samples in a session of its own and names
 * the tensor, the recorded range and the measured one. The documents say which ranges only --deep measures; a calibration image
 * swapped after the run is named by plain verify (the input's hash) and by --deep (the ranges it now gives).
 */
class VerifyCalibratedRangeTest {

	@Test
	void aMinMaxRangeWidenedWithItsScaleEverywhereIsFoundByDeepOnly() throws IOException {
		Path honest = Runs.fiqInt8Run("calibrated-range");
		Path recipe = honest.resolveSibling("int8.qr");
		Verification.Result clean = deep(honest, recipe);
		assertEquals(List.of(), clean.problems(), "the honest run verifies clean with --deep");
		assertTrue(clean.notes().stream().anyMatch(n -> n.matches("optimization \\S+ calibrated range \\(re-measured\\): \\d+ min-max ranges \\(of \\d+ tensors\\) measured again on 50"
				+ " calibration samples of calib in verify's own session .*")), clean.notes().toString());

		Path out = Runs.copy(honest, honest.resolveSibling("out-widened"));
		TraceModel original = QuantraceModel.loadTrace(out.resolve("trace.xmi"));
		OptimizationRecord o = original.getOptimizations().stream().filter(x -> "fiq_int8".equals(x.getScheme())).findFirst().orElseThrow();
		List<TensorQuantizationRecord> logits = o.getQuantization().getTensors().stream().filter(t -> t.getTensor().equals("logits")).toList();
		assertFalse(logits.isEmpty(), "the output's records");
		double recordedLo = logits.get(0).getRangeMin().get(0);
		double recordedHi = logits.get(0).getRangeMax().get(0);
		double lo = recordedLo * 1.25;
		double hi = recordedHi * 1.25;
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

		Verification.Result plain = Verification.verify(out);
		assertEquals(List.of(), plain.problems(), "plain verify derives the scale from the range: it cannot see a range widened everywhere");
		assertTrue(plain.notes().contains("not re-derived (only verify --deep runs the models again): " + EvidenceScope.line(EvidenceScope.Kind.DEEP)),
				plain.notes().toString());
		assertTrue(EvidenceScope.line(EvidenceScope.Kind.DEEP).contains(EvidenceScope.MINMAX_RANGES.figures()));
		for (String log : List.of("logs/PhIMT0003-cnn.md", "report.html")) {
			String text = Tampering.read(out.resolve(log));
			assertTrue(text.contains(EvidenceScope.MINMAX_RANGES.figures().substring(0, 60)), log + " says verify --deep measures the min-max ranges again");
		}

		// the evaluation run again differs too (the wider output scale moves some predictions): the range is named on its own
		List<Problem> found = deep(out, recipe).problems();
		assertEquals(1, found.stream().filter(p -> p.what().contains("calibrated range (re-measured)")).count(), found.toString());
		Tampering.foundInTrace(found, "calibrated range (re-measured) tensor 'logits': says [" + lo + ", " + hi + "] (its scale " + (double) widened,
				"re-derived [" + (float) recordedLo + ", " + (float) recordedHi + "] (the smallest and largest value over the 50 calibration samples of calib");
	}

	@Test
	void aCalibrationImageSwappedAfterTheRunIsNamedAndItsRangesDiffer() throws IOException {
		Path out = Runs.fiqInt8Run("calibrated-range-swapped");
		Path recipe = out.resolveSibling("int8.qr");
		// the first sample read (classes in turn): a checkerboard of black and white, whose edges drive the Convs' outputs far
		Path first = out.resolveSibling("data/calibration/ankle_boot/00000.png");
		BufferedImage board = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
		for (int y = 0; y < 28; y++) {
			for (int x = 0; x < 28; x++) {
				board.getRaster().setSample(x, y, 0, (x + y) % 2 == 0 ? 255 : 0);
			}
		}
		ImageIO.write(board, "png", first.toFile());
		Verification.Result plain = Verification.verify(out, new Verification.Options(recipe, null, false, false, Progress.NONE));
		assertTrue(plain.problems().stream().anyMatch(p -> p.toString().contains("ankle_boot/00000.png")), "plain verify names the swapped file: " + plain.problems());
		List<Problem> found = deep(out, recipe).problems();
		assertTrue(found.stream().anyMatch(p -> p.toString().contains("ankle_boot/00000.png")), found.toString());
		assertTrue(found.stream().anyMatch(p -> p.file().equals("trace.xmi") && p.what().contains("calibrated range (re-measured) tensor '")),
				"--deep names a range the samples no longer give: " + found);
	}

	private static Verification.Result deep(Path out, Path recipe) {
		return Verification.verify(out, new Verification.Options(recipe, null, false, true, Progress.NONE));
	}
}
