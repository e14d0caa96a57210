package org.quantrace.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.quantrace.engine.data.NpyArray;
import org.quantrace.engine.runtime.NdArray;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * What torch.onnx.export writes for a model after {@code model.double()} with a float64 dummy input (round 19's f64), small:
 * x [N, 1, 4, 4] float64 -> Conv (one 3x3 float64 kernel, pads 1) -> Relu -> Flatten -> y [N, 16] float64 (16 class scores).
 */
public final class Float64Models {

	private Float64Models() {
	}

	public static ModelProto convRelu() {
		return convRelu(weights());
	}

	/**
	 * Its 3x3 kernel: 0.1 (i - 4) + 0.01, values float32 does not hold exactly (as a trained float64 model's): narrowing them
	 * rounds each by up to 2^-24 of its magnitude.
	 */
	public static double[] weights() {
		double[] w = new double[9];
		for (int i = 0; i < 9; i++) {
			w[i] = 0.1 * (i - 4) + 0.01;
		}
		return w;
	}

	/** {@link #convRelu()} with the kernel {@code kernel} (9 values). */
	public static ModelProto convRelu(double[] kernel) {
		ByteBuffer w = ByteBuffer.allocate(9 * 8).order(ByteOrder.LITTLE_ENDIAN);
		for (double v : kernel) {
			w.putDouble(v);
		}
		TensorProto weight = TensorProto.newBuilder().setName("W").setDataType(TensorProto.DataType.DOUBLE_VALUE).addAllDims(List.of(1L, 1L, 3L, 3L))
				.setRawData(com.google.protobuf.ByteString.copyFrom(w.array())).build();
		var conv = TestModels.node("Conv", "conv", List.of("x", "W"), "c").toBuilder()
				.addAttribute(ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("pads").setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.INTS)
						.addAllInts(List.of(1L, 1L, 1L, 1L)))
				.build();
		return TestModels.graph(List.of(conv, TestModels.node("Relu", "relu", List.of("c"), "r"), TestModels.node("Flatten", "flat", List.of("r"), "y")),
				List.of(weight), doubles("x", 1, 4, 4), doubles("y", 16));
	}

	/**
	 * A float32 model with a float64 island (the hostile variants of round 19's f64): x [N, 1, 4, 4] float32 -> Cast(float64) -> d
	 * -> Conv (the float64 kernel of {@link #convRelu}, pads 1) -> c -> Relu -> r -> Cast(float32) -> f -> Flatten -> y [N, 16]
	 * float32. ONNX Runtime does not load it (no float64 Conv); with {@code withConv} false the Conv is left out (x -> Cast -> Relu
	 * -> Cast -> Flatten: a float64 Cast chain ONNX Runtime runs, its intermediate values float64).
	 */
	public static ModelProto float64Island(boolean withConv) {
		ModelProto conv = convRelu();
		var cast = TestModels.node("Cast", "to64", List.of("x"), "d").toBuilder().addAttribute(ai.onnx.proto.OnnxMl.AttributeProto
				.newBuilder().setName("to").setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.INT).setI(TensorProto.DataType.DOUBLE_VALUE)).build();
		var back = TestModels.node("Cast", "to32", List.of("r"), "f").toBuilder().addAttribute(ai.onnx.proto.OnnxMl.AttributeProto.newBuilder()
				.setName("to").setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.INT).setI(TensorProto.DataType.FLOAT_VALUE)).build();
		List<ai.onnx.proto.OnnxMl.NodeProto> nodes = new java.util.ArrayList<>(List.of(cast));
		if (withConv) {
			nodes.add(conv.getGraph().getNode(0).toBuilder().setInput(0, "d").build());
		}
		nodes.addAll(List.of(TestModels.node("Relu", "relu", List.of(withConv ? "c" : "d"), "r"), back, TestModels.node("Flatten", "flat", List.of("f"), "y")));
		ValueInfoProto x = TestModels.tensor("x", 1, 1, 4, 4);
		ValueInfoProto y = TestModels.tensor("y", 1, 16);
		return TestModels.graph(nodes, withConv ? conv.getGraph().getInitializerList() : List.of(), x, y);
	}

	/** {@link #convRelu} as f64.onnx in {@code dir}, eight float32 samples x.npy [8, 1, 4, 4] and labels y.npy: [model, x, y]. */
	public static List<Path> write(Path dir) {
		try {
			Files.createDirectories(dir);
			float[] x = new float[8 * 16];
			for (int i = 0; i < x.length; i++) {
				x[i] = (i % 7) / 7f;
			}
			NpyArray.write(dir.resolve("x.npy"), NdArray.ofFloats(new long[] { 8, 1, 4, 4 }, x));
			NpyArray.write(dir.resolve("y.npy"), NdArray.ofLongs(new long[] { 8 }, new long[] { 0, 1, 2, 3, 4, 5, 6, 7 }));
			return List.of(TestModels.write(dir.resolve("f64.onnx"), convRelu()), dir.resolve("x.npy"), dir.resolve("y.npy"));
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	private static ValueInfoProto doubles(String name, int... dims) {
		TensorShapeProto.Builder shape = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
		for (int d : dims) {
			shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
		}
		return ValueInfoProto.newBuilder().setName(name)
				.setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.DOUBLE_VALUE).setShape(shape)))
				.build();
	}
}
