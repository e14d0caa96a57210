package org.quantrace.engine.convert.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.convert.FreezeOptions;
import org.quantrace.engine.convert.FreezeResult;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.model.recipe.TrainingOperation;
import org.quantrace.model.trace.EliminationStatus;

/**
 * PhIMT0002's Batch Normalization row of a model whose exporter wrote each BatchNormalization as a per-channel Mul and Add
 * after its Conv (tf2onnx's Keras FusedBatchNormV3; make_exporters30.py tf11cls, assessor59): the row read "Not present in
 * the model: no BatchNormalization node in the graph." while the conversion folded five such pairs into their Convs, which
 * only the Converter row's fusion line and Appendix A said. The row now says they were folded; a model without them keeps
 * the one clause.
 */
class ExporterBatchNormRowTest {

	@Test
	void aBatchNormalizationWrittenAsMulAndAddIsNamedInItsRow() {
		WildConversionTest.Tiny t = new WildConversionTest.Tiny(3, 5, 5);
		Random rnd = new Random(59);
		String conv = t.node("Conv", List.of("x", t.floats(new long[] { 4, 3, 3, 3 }, WildConversionTest.uniform(rnd, 108)),
				t.floats(new long[] { 4 }, WildConversionTest.uniform(rnd, 4))), WildConversionTest.intsAttr("pads", 1, 1, 1, 1));
		String mul = t.node("Mul", List.of(conv, t.floats(new long[] { 4, 1, 1 }, WildConversionTest.uniform(rnd, 4))));
		OnnxModel model = t.model(t.node("Relu", t.node("Add", List.of(mul, t.floats(new long[] { 4, 1, 1 }, WildConversionTest.uniform(rnd, 4))))));

		FreezeResult.Elimination bn = Freezer.freeze(model, "keras_bn", FreezeOptions.defaults(), null).eliminations().get(TrainingOperation.BATCH_NORMALIZATION);

		assertEquals(EliminationStatus.NOT_PRESENT, bn.status(), "no BatchNormalization node was there");
		assertEquals("no BatchNormalization node in the graph; per-channel Mul/Add nodes after Convs, the form in which exporters such as tf2onnx write a"
				+ " BatchNormalization (or a scale), were folded into the Convs' weights and bias (Converter/model conversion script: fusion; each node in"
				+ " Appendix A)", bn.details());
	}

	@Test
	void aModelWithoutThemKeepsTheOneClause() {
		WildConversionTest.Tiny t = new WildConversionTest.Tiny(3, 5, 5);
		OnnxModel model = t.model(t.node("Relu", t.node("Conv", List.of("x", t.floats(new long[] { 4, 3, 1, 1 }, WildConversionTest.uniform(new Random(5), 12))))));

		FreezeResult.Elimination bn = Freezer.freeze(model, "plain", FreezeOptions.defaults(), null).eliminations().get(TrainingOperation.BATCH_NORMALIZATION);

		assertEquals(EliminationStatus.NOT_PRESENT, bn.status());
		assertEquals("no BatchNormalization node in the graph", bn.details());
	}
}
