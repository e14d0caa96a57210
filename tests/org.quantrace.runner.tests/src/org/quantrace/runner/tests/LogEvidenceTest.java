package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.testing.TestData;

import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * The logs say what the models hold, checked by a second path: every scale and zero point the fiq_int8,
 * fiq_uint8 and drq logs print (per tensor, and for the graph's inputs and outputs) is compared with the
 * QuantizeLinear/DequantizeLinear initializers and the graph I/O of the ONNX file, read here without the
 * trace that wrote the logs; types are the ones the model stores (int32 biases, int8 I/O zero points);
 * dynamic-range activations are uint8 at run time; layers left in float are not listed as integer.
 */
class LogEvidenceTest {

	private static Path out;
	private static List<String> log;

	@BeforeAll
	static void run() throws IOException {
		out = TestData.tempDir("log-evidence").resolve("out");
		assertEquals(0, Runs.run(TestData.example("fashion_cnn.qr"), out).exitCode());
		log = Files.readAllLines(out.resolve("logs/PhIMT0003-cnn.md"));
	}

	/** Quantization parameters as the model stores them, with the tensor names around them and where they are. */
	record Params(String where, List<String> names, String type, float[] scales, long[] zeroPoints) {
	}

	/** A row of the log's per-tensor appendix. */
	record Logged(String tensor, String role, String type, float[] scales, long[] zeroPoints) {
	}

	@ParameterizedTest
	@ValueSource(strings = { "fiq_int8", "fiq_uint8", "drq" })
	void everyScaleAndZeroPointIsTheModels(String scheme) {
		OnnxModel model = OnnxModel.load(out.resolve("models/cnn/" + scheme + ".onnx"));
		Graph g = model.graph();
		List<Params> inModel = new ArrayList<>();
		for (Node n : g.nodes()) {
			if (n.opType().equals("QuantizeLinear") || n.opType().equals("DequantizeLinear")) {
				inModel.add(params(g, n));
			} else if (n.opType().equals("ConvInteger") || n.opType().equals("MatMulInteger")) {
				inModel.add(integerWeights(g, n));
			} else if (n.opType().equals("Cast") && g.initializer(n.input(0)) != null) {
				inModel.add(foldedWeights(g, n));
			}
		}
		List<Logged> logged = appendix(scheme);
		assertFalse(logged.isEmpty(), scheme + ": the per-tensor appendix");
		for (Logged l : logged) {
			if (l.role().equals("bias")) {
				assertEquals("int32", l.type(), "biases are int32 in the model: " + l.tensor());
			}
			// an activation whose integer codes flow on unchanged (MaxPool, Flatten read them) has its parameters on a later
			// DequantizeLinear: it must be a tensor of the model, and its values those of a Q/DQ of the model
			boolean carried = l.role().equals("activation") && g.producer(l.tensor()).isPresent();
			Optional<Params> match = inModel.stream().filter(p -> (carried || p.names().stream().anyMatch(x -> x.contains(l.tensor()))) && p.type().equals(l.type())
					&& Arrays.equals(p.scales(), l.scales()) && Arrays.equals(p.zeroPoints(), l.zeroPoints())).findFirst();
			assertTrue(match.isPresent(), scheme + ": the log's " + l.role() + " " + l.tensor() + " (" + l.type() + ", s " + Arrays.toString(l.scales()) + ", z "
					+ Arrays.toString(l.zeroPoints()) + ") is in no QuantizeLinear/DequantizeLinear of the model");
		}
		for (Params p : inModel) {
			assertTrue(logged.stream().anyMatch(l -> p.type().equals(l.type()) && Arrays.equals(p.scales(), l.scales()) && Arrays.equals(p.zeroPoints(), l.zeroPoints())),
					scheme + ": " + p.where() + " (" + p.type() + ", s " + Arrays.toString(p.scales()) + ", z "
							+ Arrays.toString(p.zeroPoints()) + ") is not in the log");
		}
		List<String> precision = row(scheme, "Quantization precision");
		for (ValueInfoProto v : g.inputs()) {
			if (g.initializer(v.getName()) != null) {
				continue;
			}
			checkIo(scheme, precision, "input", v, g.nodes().stream().filter(n -> n.opType().equals("DequantizeLinear") && n.input(0).equals(v.getName())).findFirst(), g);
		}
		for (ValueInfoProto v : g.outputs()) {
			checkIo(scheme, precision, "output", v, g.nodes().stream().filter(n -> n.opType().equals("QuantizeLinear") && n.output(0).equals(v.getName())).findFirst(), g);
		}
		if (scheme.equals("drq")) {
			assertTrue(g.nodes().stream().anyMatch(n -> n.opType().equals("DynamicQuantizeLinear")), "DRQ quantizes activations at run time");
			assertTrue(precision.stream().anyMatch(l -> l.startsWith("activations: uint8, quantized at run time")), "DRQ activations are uint8 at run time: " + precision);
			assertTrue(row(scheme, "Quantization scheme").stream().anyMatch(l -> l.startsWith("activations: asymmetric")), "and asymmetric");
			assertFalse(String.join(" ", precision).contains("biases: int32"), "DRQ keeps its biases in float");
		}
		String scale = String.join(" ", row(scheme, "Scale factor"));
		if (!scheme.equals("drq")) {
			assertTrue(scale.contains("asymmetric: s = (β − α) / 255"), "uint8 activations: the asymmetric formula: " + scale);
		}
		assertTrue(scale.contains("symmetric: s = max(|α|, |β|) / 127"), "int8 weights: the symmetric formula: " + scale);
		if (scheme.equals("drq")) {
			assertFalse(scale.contains("/ 255, z = round(0"), "DRQ stores no offline activation scale: only the formula used: " + scale);
		}
		layersInFloat(scheme, g);
	}

	/** Layers the log lists as float32 are float in the model: not fed by a DequantizeLinear of integer weights. */
	private static void layersInFloat(String scheme, Graph g) {
		int start = find("id=\"layers\"");
		while (!log.get(start).startsWith("|")) { // the table follows the sentence that says what its index column numbers
			start++;
		}
		List<String> header = cells(log.get(start));
		int column = header.indexOf(scheme);
		assertTrue(column > 0, "the per-layer appendix has a column for " + scheme);
		for (String line : log.subList(start + 2, log.size())) {
			if (!line.startsWith("|")) {
				break;
			}
			List<String> c = cells(line);
			String state = c.get(column);
			if (state.startsWith("float32")) {
				Optional<Node> node = g.nodes().stream().filter(n -> n.name().equals(c.get(1))).findFirst();
				node.ifPresent(n -> assertFalse(n.opType().contains("Integer") || n.opType().startsWith("QLinear"),
						scheme + ": " + n.name() + " is logged float32 but is " + n.opType()));
				// a layer that computes in float from int8 weights (dequantized at load) says so; no other float layer names an integer type
				assertFalse(state.replace("int8 weights, dequantized to float once", "").contains("int8"),
						scheme + ": a float layer is not listed with an integer type: " + line);
			}
		}
	}

	private static void checkIo(String scheme, List<String> precision, String kind, ValueInfoProto v, Optional<Node> qdq, Graph g) {
		String type = elementType(v.getType().getTensorType().getElemType());
		String prefix = kind + " '" + v.getName() + "': ";
		String line = precision.stream().filter(l -> l.startsWith(prefix)).findFirst()
				.orElseThrow(() -> new AssertionError(scheme + ": no precision line for " + kind + " " + v.getName() + ": " + precision));
		assertTrue(line.startsWith(prefix + type), scheme + ": " + line + " but the model's " + kind + " is " + type);
		if (!type.equals("float32")) {
			Params p = params(g, qdq.orElseThrow(() -> new AssertionError(scheme + ": integer " + kind + " " + v.getName() + " without Q/DQ")));
			String[] sz = line.substring(line.indexOf("s = ") + 4).split(", z = ");
			assertEquals(p.scales()[0], Float.parseFloat(sz[0]), 0f, scheme + ": " + line);
			assertEquals(p.zeroPoints()[0], Long.parseLong(sz[1].trim()), scheme + ": " + line);
		}
	}

	private static Params params(Graph g, Node n) {
		Tensor scale = g.constant(n.input(1));
		float[] scales = scale.toFloatArray();
		String type;
		long[] zeros;
		if (n.inputs().size() > 2 && !n.input(2).isEmpty()) {
			Tensor z = g.constant(n.input(2));
			type = elementType(z.proto().getDataType());
			zeros = z.toLongArray();
		} else { // DequantizeLinear of int32 biases may omit the zero point: it is 0, of the input's type
			type = elementType(g.constant(n.input(0)).proto().getDataType());
			zeros = new long[scales.length];
		}
		return new Params(n.opType() + " " + n.name(), names(n), type, scales, zeros);
	}

	/**
	 * The weights of a dynamic-range integer kernel: the int8 initializer it reads, its scales (the {@code _scale}
	 * initializer the rescaling Mul reads) and zero points (the kernel's weight zero point input; absent means 0).
	 */
	private static Params integerWeights(Graph g, Node n) {
		String weights = n.input(1);
		Tensor codes = g.initializer(weights);
		assertTrue(codes != null, n.name() + ": integer weights are an initializer");
		String base = weights.endsWith("_q") ? weights.substring(0, weights.length() - 2) : weights;
		Tensor scale = g.initializer(base + "_scale");
		assertTrue(scale != null, n.name() + ": the weights' scales " + base + "_scale");
		float[] scales = scale.toFloatArray();
		long[] zeros = n.inputs().size() > 3 && !n.input(3).isEmpty() ? g.constant(n.input(3)).toLongArray() : new long[scales.length];
		if (zeros.length == 1 && scales.length > 1) {
			zeros = new long[scales.length]; // a scalar zero point applies to every channel (ConvInteger takes no other)
			java.util.Arrays.fill(zeros, g.constant(n.input(3)).toLongArray()[0]);
		}
		return new Params(n.opType() + " " + n.name(), List.of(weights, base), elementType(codes.proto().getDataType()), scales, zeros);
	}

	/**
	 * Int8 weights a layer computes with in float: Cast of the codes, times the scales (a constant ONNX Runtime
	 * folds at load); the zero points are 0 (symmetric weights), as no Sub stands between.
	 */
	private static Params foldedWeights(Graph g, Node cast) {
		Tensor codes = g.initializer(cast.input(0));
		Node mul = g.consumers(cast.output(0)).get(0);
		assertEquals("Mul", mul.opType(), "folded weights are scaled by a Mul: " + cast.input(0));
		float[] scales = g.constant(mul.input(1)).toFloatArray();
		return new Params("Cast " + cast.input(0), List.of(cast.input(0)), elementType(codes.proto().getDataType()), scales, new long[scales.length]);
	}

	private static List<String> names(Node n) {
		List<String> l = new ArrayList<>(n.inputs());
		l.addAll(n.outputs());
		return l;
	}

	private static String elementType(int code) {
		return switch (TensorProto.DataType.forNumber(code)) {
		case FLOAT -> "float32";
		case INT8 -> "int8";
		case UINT8 -> "uint8";
		case INT16 -> "int16";
		case INT32 -> "int32";
		default -> TensorProto.DataType.forNumber(code).name().toLowerCase(Locale.ROOT);
		};
	}

	private static List<Logged> appendix(String scheme) {
		int start = find("id=\"optimization-" + scheme.replace('_', '-') + "-tensors\"");
		List<String> header = cells(log.get(start + 2));
		assertEquals(List.of("tensor", "role", "node", "type", "scheme", "granularity", "range", "scale", "zero point"), header);
		List<Logged> rows = new ArrayList<>();
		for (String line : log.subList(start + 4, log.size())) {
			if (!line.startsWith("|")) {
				break;
			}
			List<String> c = cells(line);
			if (c.get(7).startsWith("as in ")) { // values an earlier appendix lists: "as in Appendix C (fiq_float32)", taken from there
				String other = c.get(7).substring(c.get(7).indexOf('(') + 1, c.get(7).indexOf(')'));
				Logged earlier = appendix(other).stream().filter(x -> x.tensor().equals(c.get(0)) && x.role().equals(c.get(1))).findFirst()
						.orElseThrow(() -> new AssertionError(scheme + ": " + c.get(0) + " refers to " + other + "'s appendix, which does not list it"));
				rows.add(new Logged(c.get(0), c.get(1), c.get(3), earlier.scales(), earlier.zeroPoints()));
				continue;
			}
			String[] s = c.get(7).split(" ");
			float[] scales = new float[s.length];
			for (int i = 0; i < s.length; i++) {
				scales[i] = Float.parseFloat(s[i]);
			}
			String z = c.get(8);
			long[] zeros = z.contains(" ×") ? java.util.stream.LongStream.generate(() -> Long.parseLong(z.substring(0, z.indexOf(" ×"))))
					.limit(Integer.parseInt(z.substring(z.indexOf('×') + 1))).toArray() : Arrays.stream(z.split(" ")).mapToLong(Long::parseLong).toArray();
			rows.add(new Logged(c.get(0), c.get(1), c.get(3), scales, zeros));
		}
		return rows;
	}

	/** The lines of a row of the scheme's Table 1. */
	private static List<String> row(String scheme, String label) {
		int start = find("id=\"optimization-" + scheme.replace('_', '-') + "\"");
		for (String line : log.subList(start, log.size())) {
			List<String> c = cells(line);
			if (c.size() == 2 && c.get(0).equals(label)) {
				return List.of(c.get(1).split("<br>"));
			}
		}
		throw new AssertionError(scheme + ": no row " + label);
	}

	private static int find(String text) {
		for (int i = 0; i < log.size(); i++) {
			if (log.get(i).contains(text)) {
				return i;
			}
		}
		throw new AssertionError("the log has no " + text);
	}

	private static List<String> cells(String line) {
		String[] c = line.trim().split("(?<!\\\\)\\|");
		List<String> l = new ArrayList<>();
		for (int i = 1; i < c.length; i++) {
			l.add(c[i].trim().replace("\\|", "|"));
		}
		return l;
	}
}
