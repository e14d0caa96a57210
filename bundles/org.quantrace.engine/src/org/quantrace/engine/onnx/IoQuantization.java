package org.quantrace.engine.onnx;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.quantrace.engine.InvalidInputException;

import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * Scale and zero point of a model's integer inputs and outputs, read from the graph itself: an integer
 * input is read by a DequantizeLinear, an integer output is written by a QuantizeLinear. This is what an
 * evaluator needs to feed q = r / s + z and to read r = s (q - z), whoever quantized the model.
 */
public final class IoQuantization {

	/** One integer input or output. */
	public record Io(String name, DataType type, float scale, long zeroPoint) {
		/** Midpoint of the type, the deck's multilabel threshold: 0 for int8, 128 for uint8. */
		public long midpoint() {
			return switch (type) {
			case INT8 -> 0;
			case UINT8 -> 128;
			case INT16 -> 0;
			default -> throw new IllegalStateException(type + " is not an integer I/O type");
			};
		}

		public long quantize(float real) {
			long qmin = type == DataType.UINT8 ? 0 : type == DataType.INT8 ? -128 : -32768;
			long qmax = type == DataType.UINT8 ? 255 : type == DataType.INT8 ? 127 : 32767;
			double q = Math.rint(real / scale) + zeroPoint;
			return (long) Math.max(qmin, Math.min(qmax, q));
		}

		public float dequantize(long q) {
			return (q - zeroPoint) * scale;
		}

		/**
		 * Float samples as this input takes them, q = r / S + Z in its type; samples of another type as they are (integer data given
		 * as codes already). The one quantization of fed samples: evaluation, debugging and the conversion's check feed through it.
		 */
		public org.quantrace.engine.runtime.NdArray codes(org.quantrace.engine.runtime.NdArray x) {
			if (x.type() != DataType.FLOAT) {
				return x;
			}
			float[] f = x.floats();
			if (type == DataType.INT16) {
				short[] q = new short[f.length];
				for (int i = 0; i < f.length; i++) {
					q[i] = (short) quantize(f[i]);
				}
				return org.quantrace.engine.runtime.NdArray.ofShorts(DataType.INT16, x.shape(), q);
			}
			byte[] q = new byte[f.length];
			for (int i = 0; i < f.length; i++) {
				q[i] = (byte) quantize(f[i]);
			}
			return org.quantrace.engine.runtime.NdArray.ofBytes(type, x.shape(), q);
		}
	}

	private IoQuantization() {
	}

	/**
	 * Integer inputs by name (float inputs are absent). An input read by several DequantizeLinear nodes has their scale and zero
	 * point when they all agree; when they disagree, no value is the input's (what a code stands for depends on the reader), and
	 * the model is refused rather than one reader's parameters taken as the input's: users would feed q = r / s + z with them,
	 * and the trace and the logs state them as the model's.
	 */
	public static Map<String, Io> inputs(OnnxModel model) {
		Map<String, Io> result = new LinkedHashMap<>();
		Graph g = model.graph();
		for (ValueInfoProto v : g.runtimeInputs()) {
			TensorInfo info = TensorInfo.of(v);
			if (!info.type().isInteger()) {
				continue;
			}
			List<Node> readers = g.nodes().stream().filter(n -> n.opType().equals("DequantizeLinear") && n.input(0).equals(v.getName())).toList();
			List<Optional<Io>> read = readers.stream().map(n -> io(g, v.getName(), info.type(), n)).toList();
			if (read.stream().distinct().count() > 1) {
				List<String> each = new ArrayList<>();
				for (int i = 0; i < readers.size(); i++) {
					each.add("'" + readers.get(i).name() + "' " + read.get(i).map(io -> "scale " + io.scale() + ", zero point " + io.zeroPoint())
							.orElse("a scale per channel or computed"));
				}
				throw new InvalidInputException((model.file() == null ? "" : model.file() + ": ") + "integer input '" + v.getName() + "' is read by "
						+ readers.size() + " DequantizeLinear nodes that disagree (" + String.join("; ", each) + "): the model states no one scale"
						+ " and zero point to feed it with",
						"quantize the float model again so that one DequantizeLinear reads the input (its other readers reading that one's output),"
								+ " or give the model a float input");
			}
			read.stream().findFirst().flatMap(o -> o).ifPresent(io -> result.put(io.name(), io));
		}
		return result;
	}

	/** Integer outputs by name. */
	public static Map<String, Io> outputs(OnnxModel model) {
		Map<String, Io> result = new LinkedHashMap<>();
		Graph g = model.graph();
		for (ValueInfoProto v : g.outputs()) {
			TensorInfo info = TensorInfo.of(v);
			if (!info.type().isInteger()) {
				continue;
			}
			g.producer(v.getName()).filter(n -> n.opType().equals("QuantizeLinear")).flatMap(n -> io(g, v.getName(), info.type(), n))
					.ifPresent(io -> result.put(io.name(), io));
		}
		return result;
	}

	/**
	 * The scale and zero point of the model's first output, which an evaluation reads, when it is an integer output; null when it is
	 * float. Not the first integer output: a model whose first output is float and a later one integer (logits dequantized, the KV
	 * caches left as codes) had its float logits "dequantized" with a cache's parameters.
	 */
	public static Io firstOutput(OnnxModel model) {
		List<ValueInfoProto> outs = model.graph().outputs();
		return outs.isEmpty() ? null : outputs(model).get(outs.get(0).getName());
	}

	private static Optional<Io> io(Graph g, String name, DataType type, Node qdq) {
		Tensor scale = g.constant(qdq.input(1));
		Tensor zero = qdq.input(2).isEmpty() ? null : g.constant(qdq.input(2));
		if (scale == null || scale.elementCount() != 1) {
			return Optional.empty();
		}
		long z = zero == null ? 0 : zero.toLongArray()[0];
		return Optional.of(new Io(name, type, scale.toFloatArray()[0], z));
	}
}
