package org.quantrace.engine.tests;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.ShapeProbe;
import org.quantrace.testing.TestData;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;

/**
 * The start-up probe's refusal says who is at fault (hostile13's open item). The iris MLP (hostile12's make_iris.py: 4 features,
 * trained with torch) exported with its feature axis open, [N, F], and fed samples of 5 features was told "the graph contradicts
 * its own declared input ... export the model again": the input leaves that size to the data, and the data is of another size
 * than the model was trained for. Where the input fixes the size the graph cannot take, the graph stays at fault (cli.tests
 * UnrunnableModelTest: a Reshape's constant shape).
 */
class ProbeFaultTest {

	private static final OnnxModel IRIS = OnnxModel.load(TestData.data("wild/hostile12/iris_mlp.onnx"));

	/** The iris MLP with its input's feature axis declared {@code dim} (a name leaves it to the data, a number fixes it). */
	private static OnnxModel featuresDeclared(String dim) {
		ModelProto.Builder m = IRIS.toProto().toBuilder();
		TensorShapeProto.Dimension.Builder d = m.getGraphBuilder().getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().getDimBuilder(1);
		if (dim.chars().allMatch(Character::isDigit)) {
			d.setDimValue(Long.parseLong(dim));
		} else {
			d.setDimParam(dim);
		}
		return OnnxModel.of(m.build());
	}

	private static NdArray samples(int features) {
		float[] x = new float[2 * features];
		java.util.Arrays.fill(x, 1.5f);
		return NdArray.ofFloats(new long[] { 2, features }, x);
	}

	@Test
	void samplesOfItsOwnSizeRun() {
		ShapeProbe.requireRuns(featuresDeclared("F"), "iris.onnx", samples(4));
	}

	@Test
	void dataOfAnotherSizeAlongAnOpenAxisIsTheDatasFault() {
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> ShapeProbe.requireRuns(featuresDeclared("F"), "iris.onnx", samples(5)));
		assertTrue(e.getMessage().startsWith("iris.onnx: ") && e.getMessage().contains("'/0/Gemm'"), e.getMessage());
		assertTrue(e.hint().startsWith("the input leaves F to the data, and the graph takes another size at node '/0/Gemm' (Gemm) than the data's samples"
				+ " of shape [5]: the data is at fault, not the model"), e.hint());
		assertFalse(e.hint().contains("contradicts") || e.hint().contains("export the model again"), e.hint());
	}

	/** A graph without outputs: ONNX Runtime loads it and refuses every run; that was said as the graph contradicting its declared input. */
	@Test
	void aGraphWithoutOutputsIsSaidSo() {
		ModelProto.Builder m = IRIS.toProto().toBuilder();
		m.getGraphBuilder().clearOutput();
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> ShapeProbe.requireRuns(OnnxModel.of(m.build()), "iris.onnx", samples(4)));
		assertTrue(e.getMessage().equals("iris.onnx: the graph declares no outputs, so running it computes nothing to evaluate, calibrate or keep"), e.getMessage());
		assertFalse(e.hint().contains("contradicts"), e.hint());
	}
}
