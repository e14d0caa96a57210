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
 * <p>
 * A float64 model ({@code model.double()} before the export) is narrowed to float32 the same way by {@link #toFloat32},
 * for convert only: ONNX Runtime has no float64 Conv, and Quantrace feeds float32. Narrowing rounds (to nearest), so it is
 * recorded with the count of values rounded and the largest relative rounding of any of them, and a value float32 cannot
 * hold (a finite one beyond its range, a nonzero one below its smallest) is refused.
 */
public final class FloatWidening {

	/**
	 * What was widened: the half-precision types found, counts by kind, and the model inputs and outputs whose declared type
	 * changed (by name).
	 */
	public record Widened(List<String> types, int initializers, int nodeTensors, int typeAttributes, List<String> inputs, List<String> outputs,
			Rounding rounding) {

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
			String done = rounding.values() == 0 ? " widened (every value exactly)"
					: (types.contains(FLOAT64) && types.size() > 1 ? " widened or narrowed (" : " narrowed (") + rounding.describe() + ")";
			return String.join(" and ", types) + " -> float32: " + String.join(", ", what) + done;
		}

		private static void count(List<String> what, int n, String noun) {
			if (n > 0) {
				what.add(n + " " + noun + (n == 1 ? "" : "s"));
			}
		}
	}

	/**
	 * The rounding of a narrowing: how many float64 values (of initializers and Constant tensors) were rounded to float32, and
	 * the largest relative rounding |float32(v) - v| / |v| of any of them (0 for an exact one).
	 */
	public record Rounding(long values, double largest) {

		/**
		 * The log's words, which verify reads back: "1,234 float64 values rounded to float32, largest relative rounding 2.98e-8"
		 * (three significant digits; the exponent written as the logs print numbers, without leading zeros).
		 */
		public String describe() {
			String figure = String.format(java.util.Locale.ROOT, "%.3g", largest).replaceFirst("e([-+])0*(\\d)", "e$1$2").replace("e+", "e");
			return String.format(java.util.Locale.ROOT, "%,d float64 values rounded to float32, largest relative rounding %s", values, figure);
		}
	}

	private static final String FLOAT64 = "float64";

	private FloatWidening() {
	}

	/**
	 * Whether {@link #widen} would change {@code model} ({@link Widened#any}), read without copying it: every conversion
	 * asks, and a copy of a 111 MB model only to find nothing to widen doubled its memory for the moment.
	 */
	public static boolean needed(OnnxModel model) {
		return needed(model, FloatWidening::isHalf);
	}

	/** Whether {@link #toFloat32} would change {@code model}: {@link #needed} for float64 values too. */
	public static boolean neededToFloat32(OnnxModel model) {
		return needed(model, FloatWidening::notFloat32);
	}

	/** Whether {@code model} holds float64 values or declares float64 types, which {@link #narrow} would narrow. */
	public static boolean holdsFloat64(OnnxModel model) {
		return needed(model, t -> t == TensorProto.DataType.DOUBLE_VALUE);
	}

	/**
	 * Whether {@code model} computes in float64 only: it holds float64 values or types and no float32 one (a {@code model.double()}
	 * export). Every float32 value of its narrowing then stands for a float64 value of the model.
	 */
	public static boolean float64Only(OnnxModel model) {
		return holdsFloat64(model) && !needed(model, t -> t == TensorProto.DataType.FLOAT_VALUE);
	}

	/**
	 * The values of a model mixing float32 and float64 that are float64, read from the file alone: stored or declared float64
	 * values, the outputs of a Cast or dtype op to float64, of a Constant holding a float64 tensor, and of every other node that
	 * reads one (its float outputs share the type of its float inputs, as ONNX's type constraints bind them). ONNX Runtime loads
	 * no such model that computes a Conv in float64 (round 19's f64 variants: a float32 model's first Conv between two Casts),
	 * so its intermediate types are its narrowing's, and these are the ones that are float64 in the model. An If, Loop or Scan
	 * passes its subgraphs' float64 outputs out (each by its position) and a Loop's or Scan's float64 inputs into its body; the
	 * graphs are walked again until nothing changes, since a subgraph is walked after the node that holds it.
	 */
	public static java.util.Set<String> float64Values(OnnxModel model) {
		java.util.Set<String> doubles = new java.util.HashSet<>();
		for (Graph g : model.graph().graphs()) {
			g.initializers().stream().filter(t -> t.dataType() == DataType.DOUBLE).forEach(t -> doubles.add(t.name()));
			g.inputs().stream().filter(v -> v.getType().getTensorType().getElemType() == TensorProto.DataType.DOUBLE_VALUE).forEach(v -> doubles.add(v.getName()));
		}
		for (int known = -1; known != doubles.size();) {
			known = doubles.size();
			for (Graph g : model.graph().graphs()) {
				for (Node n : g.nodes()) {
					java.util.Optional<AttributeProto> to = n.attribute(n.opType().equals("Cast") ? "to" : "dtype");
					java.util.Optional<AttributeProto> value = n.attribute("value");
					boolean writesDouble = to.isPresent() ? to.get().getI() == TensorProto.DataType.DOUBLE_VALUE
							: value.isPresent() && value.get().hasT() ? value.get().getT().getDataType() == TensorProto.DataType.DOUBLE_VALUE
									: n.opType().equals("CastLike") ? doubles.contains(n.input(1))
											: n.subgraphs().isEmpty() && n.inputs().stream().anyMatch(doubles::contains);
					if (writesDouble) {
						n.outputs().stream().filter(o -> !o.isEmpty()).forEach(doubles::add);
					} else if (!n.subgraphs().isEmpty()) {
						throughSubgraphs(n, doubles);
					}
				}
			}
		}
		return doubles;
	}

	/**
	 * The float64 values an If, Loop or Scan passes: a body input of a Loop (after its iteration count and condition) or Scan for each
	 * float64 input in its place, and a node output for each float64 subgraph output in its place (a Loop's body outputs its condition first).
	 */
	private static void throughSubgraphs(Node n, java.util.Set<String> doubles) {
		int skip = n.opType().equals("Loop") ? 1 : 0;
		for (Graph body : n.subgraphs().values()) {
			if (!n.opType().equals("If")) {
				List<ValueInfoProto> in = body.inputs();
				for (int i = 0; i < in.size() && i < n.inputs().size(); i++) {
					if (doubles.contains(n.input(i))) {
						doubles.add(in.get(i).getName());
					}
				}
			}
			List<ValueInfoProto> out = body.outputs();
			for (int i = skip; i < out.size() && i - skip < n.outputs().size(); i++) {
				if (doubles.contains(out.get(i).getName()) && !n.output(i - skip).isEmpty()) {
					doubles.add(n.output(i - skip));
				}
			}
		}
	}

	private static boolean needed(OnnxModel model, java.util.function.IntPredicate isHalf) {
		for (Graph g : model.graph().graphs()) {
			if (g.initializers().stream().anyMatch(t -> isHalf.test(t.dataType().code()))) {
				return true;
			}
		}
		for (Graph g : model.graph().graphs()) {
			for (Node n : g.nodes()) {
				for (AttributeProto a : n.attributes()) {
					if (a.getType() == AttributeProto.AttributeType.TENSOR && isHalf.test(a.getT().getDataType())
							|| a.getType() == AttributeProto.AttributeType.INT && (a.getName().equals("to") || a.getName().equals("dtype"))
									&& isHalf.test((int) a.getI())) {
						return true;
					}
				}
			}
		}
		Graph main = model.graph();
		return java.util.stream.Stream.concat(main.inputs().stream(), main.outputs().stream()).anyMatch(v -> widen(v.getType(), isHalf) != v.getType());
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

	/** Widens {@code model}'s half-precision values in place (float64 ones stay: the quantizer's models are float32 after convert). */
	public static Widened widen(OnnxModel model) {
		return rewrite(model, FloatWidening::isHalf, "");
	}

	/**
	 * Widens {@code model}'s half-precision values and narrows its float64 ones to float32, in place (convert).
	 *
	 * @throws InvalidInputException naming a float64 value float32 cannot hold, before anything is changed
	 */
	public static Widened toFloat32(OnnxModel model, String name) {
		return rewrite(model, FloatWidening::notFloat32, name);
	}

	/**
	 * Narrows {@code model}'s float64 values to float32 in place, half-precision ones left as they are (ONNX Runtime runs them):
	 * the original's inference view, which nothing could run in float64, is evaluated as the conversion narrowed it.
	 */
	public static Widened narrow(OnnxModel model, String name) {
		return rewrite(model, t -> t == TensorProto.DataType.DOUBLE_VALUE, name);
	}

	private static Widened rewrite(OnnxModel model, java.util.function.IntPredicate isHalf, String modelName) {
		if (isHalf.test(TensorProto.DataType.DOUBLE_VALUE)) {
			requireNarrowable(model, modelName);
		}
		long rounded = 0;
		double largest = 0;
		java.util.Set<String> types = new java.util.TreeSet<>();
		int initializers = 0;
		int nodeTensors = 0;
		int typeAttributes = 0;
		List<String> inputs = new ArrayList<>();
		List<String> outputs = new ArrayList<>();
		for (Graph g : model.graph().graphs()) {
			for (Tensor t : new ArrayList<>(g.initializers())) {
				if (isHalf.test(t.dataType().code())) {
					types.add(name(t.dataType().code()));
					if (t.dataType() == DataType.DOUBLE) {
						rounded += t.elementCount();
						largest = Math.max(largest, largestRounding(t));
					}
					g.putInitializer(Tensor.ofFloats(t.name(), t.dims(), t.toFloatArray()));
					initializers++;
				}
			}
			for (Node n : g.nodes()) {
				for (AttributeProto a : new ArrayList<>(n.attributes())) {
					if (a.getType() == AttributeProto.AttributeType.TENSOR && isHalf.test(a.getT().getDataType())) {
						types.add(name(a.getT().getDataType()));
						if (a.getT().getDataType() == TensorProto.DataType.DOUBLE_VALUE) {
							Tensor t = Tensor.of(a.getT());
							rounded += t.elementCount();
							largest = Math.max(largest, largestRounding(t));
						}
						Tensor wide = Tensor.ofFloats(a.getT().getName(), a.getT().getDimsList().stream().mapToLong(Long::longValue).toArray(),
								Tensor.of(a.getT()).toFloatArray());
						n.setAttribute(a.toBuilder().setT(wide.proto()).build());
						nodeTensors++;
					} else if (a.getType() == AttributeProto.AttributeType.INT && (a.getName().equals("to") || a.getName().equals("dtype"))
							&& isHalf.test((int) a.getI())) {
						types.add(name((int) a.getI()));
						n.setAttribute(a.toBuilder().setI(TensorProto.DataType.FLOAT_VALUE).build());
						typeAttributes++;
					}
				}
			}
			boolean main = g == model.graph();
			widenTypes(g.inputs(), main ? inputs : null, types, isHalf);
			widenTypes(g.outputs(), main ? outputs : null, types, isHalf);
			widenTypes(g.valueInfos(), null, types, isHalf);
		}
		return new Widened(List.copyOf(types), initializers, nodeTensors, typeAttributes, inputs, outputs, new Rounding(rounded, largest));
	}

	/** The largest |float32(v) - v| / |v| over the nonzero finite values of a float64 tensor. */
	private static double largestRounding(Tensor t) {
		double largest = 0;
		for (double v : doubles(t)) {
			if (v != 0 && Double.isFinite(v)) {
				largest = Math.max(largest, Math.abs((double) (float) v - v) / Math.abs(v));
			}
		}
		return largest;
	}

	private static double[] doubles(Tensor t) {
		TensorProto p = t.proto();
		if (!p.getRawData().isEmpty()) {
			double[] out = new double[Math.toIntExact(t.elementCount())];
			p.getRawData().asReadOnlyByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(out);
			return out;
		}
		return p.getDoubleDataList().stream().mapToDouble(Double::doubleValue).toArray();
	}

	/** Refuses a float64 value float32 cannot hold: a finite one beyond its range (it would become infinite), a nonzero one below it (0). */
	private static void requireNarrowable(OnnxModel model, String modelName) {
		for (Graph g : model.graph().graphs()) {
			List<Tensor> tensors = new ArrayList<>(g.initializers());
			for (Node n : g.nodes()) {
				n.attributes().stream().filter(a -> a.getType() == AttributeProto.AttributeType.TENSOR).forEach(a -> tensors.add(Tensor.of(a.getT())));
			}
			for (Tensor t : tensors) {
				if (t.dataType() != DataType.DOUBLE) {
					continue;
				}
				for (double v : doubles(t)) {
					float f = (float) v;
					if (Double.isFinite(v) && Float.isInfinite(f)) {
						throw new InvalidInputException(modelName + ": its float64 tensor '" + t.name() + "' holds " + v + ", which float32 cannot hold (it would"
								+ " become " + f + "): the model cannot be narrowed to float32, the precision Quantrace and ONNX Runtime's kernels compute in",
								// float32 holds nonzero magnitudes from its smallest subnormal up (the check above passes 1e-40), not only its normal range
								"scale the layer so that its nonzero values lie within what float32 holds (magnitudes from about 1.4e-45, its smallest subnormal,"
										+ " to 3.4e+38), or export it in float32 (PyTorch: model.float(), which rounds such a value the same way: check the layer first)");
					}
					if (v != 0 && f == 0) {
						// not flushed here (hostile9's left open): the conversion's record states rounding, and a weight made 0 is a change of
						// the model's function the user makes and records, not a rounding; PyTorch's model.float() flushes it without a word
						throw new InvalidInputException(modelName + ": its float64 tensor '" + t.name() + "' holds " + v + ", which float32 cannot hold (it would"
								+ " become " + f + "): the model cannot be narrowed to float32, the precision Quantrace and ONNX Runtime's kernels compute in;"
								+ " Quantrace rounds float64 values to float32 and records the largest relative rounding, but does not set a weight to 0",
								"set the tensor's values below about 1.4e-45 (float32's smallest subnormal) to 0 in the float64 model yourself (numpy:"
										+ " w[np.abs(w) < 1.4e-45] = 0; onnx.numpy_helper.from_array to write it back), so that the change is yours and on"
										+ " record, or export the model in float32 (PyTorch: model.float(), which sets such values to 0 without a word)");
					}
				}
			}
		}
	}

	private static void widenTypes(List<ValueInfoProto> values, List<String> changed, java.util.Set<String> types, java.util.function.IntPredicate isHalf) {
		values.replaceAll(v -> {
			TypeProto t = widen(v.getType(), isHalf);
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
	private static TypeProto widen(TypeProto type, java.util.function.IntPredicate isHalf) {
		return switch (type.getValueCase()) {
		case TENSOR_TYPE -> isHalf.test(type.getTensorType().getElemType())
				? type.toBuilder().setTensorType(type.getTensorType().toBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE)).build()
				: type;
		case SEQUENCE_TYPE -> {
			TypeProto e = widen(type.getSequenceType().getElemType(), isHalf);
			yield e == type.getSequenceType().getElemType() ? type : type.toBuilder().setSequenceType(type.getSequenceType().toBuilder().setElemType(e)).build();
		}
		case OPTIONAL_TYPE -> {
			TypeProto e = widen(type.getOptionalType().getElemType(), isHalf);
			yield e == type.getOptionalType().getElemType() ? type : type.toBuilder().setOptionalType(type.getOptionalType().toBuilder().setElemType(e)).build();
		}
		default -> type;
		};
	}

	private static String name(int onnxType) {
		return onnxType == TensorProto.DataType.BFLOAT16_VALUE ? "bfloat16" : onnxType == TensorProto.DataType.DOUBLE_VALUE ? FLOAT64 : "float16";
	}

	private static boolean notFloat32(int onnxType) {
		return isHalf(onnxType) || onnxType == TensorProto.DataType.DOUBLE_VALUE;
	}

	private static boolean isHalf(int onnxType) {
		return onnxType == TensorProto.DataType.FLOAT16_VALUE || onnxType == TensorProto.DataType.BFLOAT16_VALUE;
	}
}
