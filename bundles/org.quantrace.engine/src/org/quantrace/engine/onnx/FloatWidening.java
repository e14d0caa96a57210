package org.quantrace.engine.onnx;

import java.util.ArrayList;
import java.util.List;

import org.quantrace.engine.InvalidInputException;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * Widens a half-precision model (float16 or bfloat16: {@code model.half()} exports, onnxconverter-common's float16
 * conversion) to float32, as the quantizer needs it: its QuantizeLinear/DequantizeLinear pairs have float32 scales
 * (opset 13), so a DequantizeLinear could not feed a float16 Conv, and its float layers would mix the two types. Every
 * half-precision value becomes the float32 value it stands for (exactly: float32 holds every float16 and bfloat16), so
 * the widened model computes what the original computes, without the original's rounding between ops.
 * <p>
 * What is widened, in the main graph and every subgraph: initializers, the tensors of Constant and ConstantOfShape
 * nodes, the {@code to} of Cast and the {@code dtype} of the ops that create tensors (RandomNormal, EyeLike, ...), and
 * the declared types of inputs, outputs and intermediate values.
 */
public final class FloatWidening {

	/**
	 * What was widened: the half-precision types found, counts by kind, and the model inputs and outputs whose declared type
	 * changed (by name).
	 */
	public record Widened(List<String> types, int initializers, int nodeTensors, int typeAttributes, List<String> inputs, List<String> outputs) {

		public boolean any() {
			return initializers + nodeTensors + typeAttributes > 0 || !inputs.isEmpty() || !outputs.isEmpty();
		}

		/** What was done, for the console, the logs and the trace: "float16 -> float32: 20 initializers, ... (every value exactly)". */
		public String describe() {
			List<String> what = new ArrayList<>();
			count(what, initializers, "initializer");
			count(what, nodeTensors, "Constant or ConstantOfShape tensor");
			count(what, typeAttributes, "Cast or dtype attribute");
			inputs.forEach(i -> what.add("input '" + i + "'"));
			outputs.forEach(o -> what.add("output '" + o + "'"));
			return String.join(" and ", types) + " -> float32: " + String.join(", ", what) + " widened (every value exactly)";
		}

		private static void count(List<String> what, int n, String noun) {
			if (n > 0) {
				what.add(n + " " + noun + (n == 1 ? "" : "s"));
			}
		}
	}

	private FloatWidening() {
	}

	/**
	 * Whether {@link #widen} would change {@code model} ({@link Widened#any}), read without copying it: every conversion
	 * asks, and a copy of a 111 MB model only to find nothing to widen doubled its memory for the moment.
	 */
	public static boolean needed(OnnxModel model) {
		if (halfInitializers(model) != null) {
			return true;
		}
		for (Graph g : model.graph().graphs()) {
			for (Node n : g.nodes()) {
				for (AttributeProto a : n.attributes()) {
					if (a.getType() == AttributeProto.AttributeType.TENSOR && isHalf(a.getT().getDataType())
							|| a.getType() == AttributeProto.AttributeType.INT && (a.getName().equals("to") || a.getName().equals("dtype"))
									&& isHalf((int) a.getI())) {
						return true;
					}
				}
			}
		}
		Graph main = model.graph();
		return java.util.stream.Stream.concat(main.inputs().stream(), main.outputs().stream()).anyMatch(v -> widen(v.getType()) != v.getType());
	}

	/**
	 * The half-precision type of {@code model}'s stored tensors ("float16" or "bfloat16"), in the main graph or a subgraph;
	 * null when it has none. Cheap (no copy): for the steps that rewrite float32 weights and must not pass such a model by.
	 */
	public static String halfInitializers(OnnxModel model) {
		for (Graph g : model.graph().graphs()) {
			for (Tensor t : g.initializers()) {
				if (isHalf(t.dataType().code())) {
					return name(t.dataType().code());
				}
			}
		}
		return null;
	}

	/**
	 * Refuses a half-precision model for a step that reads and writes float32 weights ({@code step}: "pruning", "factorization";
	 * {@code block}: its recipe block): every layer would be left as it is while the step reported success.
	 *
	 * @throws InvalidInputException naming the half-precision type, with the conversion that widens it as the hint
	 */
	public static void requireFloat32Weights(OnnxModel model, String name, String step, String block) {
		String half = halfInitializers(model);
		if (half != null) {
			throw new InvalidInputException(name + ": its weights are " + half + ": " + step + " reads and writes float32 weights,"
					+ " and would leave every layer as it is", "convert it first: quantrace convert MODEL.onnx -o MODEL32.onnx widens it to float32"
							+ " exactly (in a recipe: a convert block, which runs before " + block + ")");
		}
	}

	/** Widens {@code model} in place. */
	public static Widened widen(OnnxModel model) {
		java.util.Set<String> types = new java.util.TreeSet<>();
		int initializers = 0;
		int nodeTensors = 0;
		int typeAttributes = 0;
		List<String> inputs = new ArrayList<>();
		List<String> outputs = new ArrayList<>();
		for (Graph g : model.graph().graphs()) {
			for (Tensor t : new ArrayList<>(g.initializers())) {
				if (isHalf(t.dataType().code())) {
					types.add(name(t.dataType().code()));
					g.putInitializer(Tensor.ofFloats(t.name(), t.dims(), t.toFloatArray()));
					initializers++;
				}
			}
			for (Node n : g.nodes()) {
				for (AttributeProto a : new ArrayList<>(n.attributes())) {
					if (a.getType() == AttributeProto.AttributeType.TENSOR && isHalf(a.getT().getDataType())) {
						types.add(name(a.getT().getDataType()));
						Tensor wide = Tensor.ofFloats(a.getT().getName(), a.getT().getDimsList().stream().mapToLong(Long::longValue).toArray(),
								Tensor.of(a.getT()).toFloatArray());
						n.setAttribute(a.toBuilder().setT(wide.proto()).build());
						nodeTensors++;
					} else if (a.getType() == AttributeProto.AttributeType.INT && (a.getName().equals("to") || a.getName().equals("dtype"))
							&& isHalf((int) a.getI())) {
						types.add(name((int) a.getI()));
						n.setAttribute(a.toBuilder().setI(TensorProto.DataType.FLOAT_VALUE).build());
						typeAttributes++;
					}
				}
			}
			boolean main = g == model.graph();
			widenTypes(g.inputs(), main ? inputs : null, types);
			widenTypes(g.outputs(), main ? outputs : null, types);
			widenTypes(g.valueInfos(), null, types);
		}
		return new Widened(List.copyOf(types), initializers, nodeTensors, typeAttributes, inputs, outputs);
	}

	private static void widenTypes(List<ValueInfoProto> values, List<String> changed, java.util.Set<String> types) {
		values.replaceAll(v -> {
			TypeProto t = widen(v.getType());
			if (t == v.getType()) {
				return v;
			}
			types.add(name(v.getType().getTensorType().getElemType()));
			if (changed != null) {
				changed.add(v.getName());
			}
			return v.toBuilder().setType(t).build();
		});
	}

	/** The type with half-precision element types widened (in sequences and optionals too); the same object if none. */
	private static TypeProto widen(TypeProto type) {
		return switch (type.getValueCase()) {
		case TENSOR_TYPE -> isHalf(type.getTensorType().getElemType())
				? type.toBuilder().setTensorType(type.getTensorType().toBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE)).build()
				: type;
		case SEQUENCE_TYPE -> {
			TypeProto e = widen(type.getSequenceType().getElemType());
			yield e == type.getSequenceType().getElemType() ? type : type.toBuilder().setSequenceType(type.getSequenceType().toBuilder().setElemType(e)).build();
		}
		case OPTIONAL_TYPE -> {
			TypeProto e = widen(type.getOptionalType().getElemType());
			yield e == type.getOptionalType().getElemType() ? type : type.toBuilder().setOptionalType(type.getOptionalType().toBuilder().setElemType(e)).build();
		}
		default -> type;
		};
	}

	private static String name(int onnxType) {
		return onnxType == TensorProto.DataType.BFLOAT16_VALUE ? "bfloat16" : "float16";
	}

	private static boolean isHalf(int onnxType) {
		return onnxType == TensorProto.DataType.FLOAT16_VALUE || onnxType == TensorProto.DataType.BFLOAT16_VALUE;
	}
}
