package org.quantrace.measure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

/**
 * Where each model's time goes, per node and per op type, as ONNX Runtime's own profiler sees it
 * ({@code SessionOptions.enableProfiling}): every model is opened with full optimization (level ALL, as
 * {@link Measure} times it), its optimized graph saved beside the profile, and fed the same batch in chunks that
 * alternate between the models, so that load from other processes falls on all of them alike. Kernel times are
 * the profiler's {@code _kernel_time} events; a convolution is labelled with what decides its kernel (depthwise
 * or dense, kernel size, channels), read from the optimized graph.
 *
 * <pre>
 * java -cp ... org.quantrace.measure.Profile IMAGES LABELS OUT_DIR [--batch 64] [--runs 200] [--chunk 20] [--threads 2] [--nodes] MODEL.onnx...
 * </pre>
 */
public final class Profile {

	private static final Pattern EVENT = Pattern.compile(
			"\\{\"cat\"\\s*:\\s*\"(Node|Session)\".*?\"dur\"\\s*:\\s*(\\d+).*?\"name\"\\s*:\\s*\"([^\"]*)\"(.*?)\\}\\s*\\}?");
	private static final Pattern OP_NAME = Pattern.compile("\"op_name\"\\s*:\\s*\"([^\"]*)\"");

	/** One model's profile: µs per run by node, the node's label, and the median whole run. */
	public record Result(Path model, Map<String, Double> usByNode, Map<String, String> labelByNode, double medianRunUs, int runs, double cpuUs) {

		/** µs per run and node count by label (op type; convs with depthwise/dense, kernel, channels). */
		public Map<String, double[]> byLabel() {
			Map<String, double[]> m = new TreeMap<>();
			usByNode.forEach((node, us) -> {
				double[] v = m.computeIfAbsent(labelByNode.getOrDefault(node, "?"), k -> new double[2]);
				v[0] += us;
				v[1]++;
			});
			return m;
		}

		public double kernelSum() {
			return usByNode.values().stream().mapToDouble(Double::doubleValue).sum();
		}
	}

	private Profile() {
	}

	public static void main(String[] args) throws Exception {
		int batch = 64, runs = 200, chunk = 20, threads = Measure.THREADS;
		boolean nodes = false;
		List<Path> models = new ArrayList<>();
		for (int i = 3; i < args.length; i++) {
			switch (args[i]) {
			case "--batch" -> batch = Integer.parseInt(args[++i]);
			case "--runs" -> runs = Integer.parseInt(args[++i]);
			case "--chunk" -> chunk = Integer.parseInt(args[++i]);
			case "--threads" -> threads = Integer.parseInt(args[++i]);
			case "--nodes" -> nodes = true;
			default -> models.add(Path.of(args[i]));
			}
		}
		if (models.isEmpty()) {
			System.err.println("usage: Profile IMAGES LABELS OUT_DIR [--batch N] [--runs N] [--chunk N] [--threads N] [--nodes] MODEL.onnx...");
			System.exit(2);
		}
		Samples data = Samples.read(Path.of(args[0]), Path.of(args[1]));
		Path out = Files.createDirectories(Path.of(args[2]));
		List<Result> results = profile(models, data, out, batch, runs, chunk, threads);
		System.out.printf(Locale.ROOT, "ONNX Runtime %s, %d intra-op threads, batch %d, %d runs each in alternating chunks of %d%n",
				LoadedModel.ENV.getVersion(), threads, batch, runs, chunk);
		print(results, nodes);
	}

	/** Profiles {@code models} fed the first {@code batch} samples, {@code runs} times each in alternating chunks; files go to {@code out}. */
	public static List<Result> profile(List<Path> models, Samples data, Path out, int batch, int runs, int chunk, int threads) throws OrtException {
		List<LoadedModel> open = new ArrayList<>();
		List<OnnxTensor> inputs = new ArrayList<>();
		List<Path> optimized = new ArrayList<>();
		try {
			for (Path m : models) {
				String stem = m.getFileName().toString().replaceFirst("\\.onnx$", "");
				Path opt = out.resolve(stem + ".optimized.onnx");
				optimized.add(opt);
				LoadedModel lm = LoadedModel.open(m, threads, OrtSession.SessionOptions.OptLevel.ALL_OPT, opt,
						out.resolve(stem + ".profile").toString());
				open.add(lm);
				inputs.add(lm.tensor(data.x(), 0, batch, data.shape()));
			}
			double[] cpuUs = CpuTime.pass(open, inputs, runs, chunk); // its 3 warm-up runs are profiled too: dropped below by the run count
			List<Result> results = new ArrayList<>();
			for (int i = 0; i < open.size(); i++) {
				Path json = Path.of(open.get(i).session.endProfiling());
				results.add(read(models.get(i), json, LoadedModel.parse(optimized.get(i)), 3, cpuUs[i]));
			}
			return results;
		} finally {
			for (OnnxTensor t : inputs) {
				t.close();
			}
			for (LoadedModel m : open) {
				m.close();
			}
		}
	}

	/** Reads a profile, dropping the first {@code warmup} runs; node times are µs per run. */
	static Result read(Path model, Path json, ModelProto optimized, int warmup, double cpuUs) {
		String text;
		try {
			text = Files.readString(json);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		List<Double> runUs = new ArrayList<>();
		List<Map<String, Double>> perRun = new ArrayList<>();
		Map<String, String> opByNode = new HashMap<>();
		Map<String, Double> current = null;
		Matcher m = EVENT.matcher(text);
		while (m.find()) {
			String cat = m.group(1);
			double dur = Double.parseDouble(m.group(2));
			String name = m.group(3);
			if (cat.equals("Session") && name.equals("model_run")) {
				runUs.add(dur);
				current = null;
			} else if (cat.equals("Node") && name.endsWith("_kernel_time")) {
				if (current == null) {
					current = new HashMap<>();
					perRun.add(current);
				}
				String node = name.substring(0, name.length() - "_kernel_time".length());
				current.merge(node, dur, Double::sum);
				// op_name anywhere in this event's args: they hold nested objects (input_type_shape) and their key order varies
				// between runs, so the text up to the event's first '}' missed it in some runs and a node went unlabelled
				int next = text.indexOf("{\"cat\"", m.end(3));
				Matcher op = OP_NAME.matcher(text).region(m.end(3), next < 0 ? text.length() : next);
				if (op.find()) {
					opByNode.putIfAbsent(node, op.group(1));
				}
			}
		}
		int from = Math.min(warmup, perRun.size());
		int n = perRun.size() - from;
		Map<String, Double> us = new LinkedHashMap<>();
		for (Map<String, Double> run : perRun.subList(from, perRun.size())) {
			run.forEach((k, v) -> us.merge(k, v / n, Double::sum));
		}
		double[] runs = runUs.subList(Math.min(warmup, runUs.size()), runUs.size()).stream().mapToDouble(Double::doubleValue).sorted().toArray();
		double median = runs.length == 0 ? Double.NaN : runs[runs.length / 2];
		Map<String, String> labels = new HashMap<>();
		Map<String, NodeProto> nodes = new HashMap<>();
		Map<String, TensorProto> inits = new HashMap<>();
		optimized.getGraph().getNodeList().forEach(nd -> nodes.put(nd.getName(), nd));
		optimized.getGraph().getInitializerList().forEach(t -> inits.put(t.getName(), t));
		opByNode.forEach((node, op) -> labels.put(node, label(op, nodes.get(node), inits)));
		return new Result(model, us, labels, median, n, cpuUs);
	}

	/**
	 * The op type, and for a convolution what selects its kernel: depthwise (one input channel per group: "Conv depthwise 3x3
	 * 16 ch"), grouped ("Conv 1x1 24→16, 4 groups": a grouped QLinearConv runs one GEMM per group and image) or dense, kernel
	 * size, channels.
	 */
	public static String label(String op, NodeProto node, Map<String, TensorProto> inits) {
		if (node == null || !op.contains("Conv")) {
			return op;
		}
		long group = 1;
		String kernel = null;
		for (AttributeProto a : node.getAttributeList()) {
			if (a.getName().equals("group")) {
				group = a.getI();
			} else if (a.getName().equals("kernel_shape")) {
				kernel = a.getIntsList().stream().map(String::valueOf).reduce((x, y) -> x + "x" + y).orElse("");
			}
		}
		int w = op.startsWith("QLinear") ? 3 : 1;
		TensorProto weight = node.getInputCount() > w ? inits.get(node.getInput(w)) : null;
		if (kernel == null && weight != null && weight.getDimsCount() == 4) {
			kernel = weight.getDims(2) + "x" + weight.getDims(3);
		}
		boolean depthwise = group > 1 && (weight == null || weight.getDims(1) == 1);
		String channels = weight == null ? "" : " " + (depthwise ? weight.getDims(0) + " ch" : weight.getDims(1) * group + "→" + weight.getDims(0));
		return op + (depthwise ? " depthwise " : " ") + (kernel == null ? "" : kernel) + channels + (group > 1 && !depthwise ? ", " + group + " groups" : "");
	}

	static void print(List<Result> results, boolean nodes) {
		Map<String, double[][]> table = new TreeMap<>();
		for (int i = 0; i < results.size(); i++) {
			int col = i;
			results.get(i).byLabel().forEach((label, v) -> table.computeIfAbsent(label, k -> new double[results.size()][])[col] = v);
		}
		StringBuilder head = new StringBuilder("| µs per run (nodes) |");
		StringBuilder rule = new StringBuilder("|---|");
		for (Result r : results) {
			head.append(' ').append(r.model().getFileName()).append(" |");
			rule.append("---|");
		}
		System.out.println(head);
		System.out.println(rule);
		StringBuilder run = new StringBuilder("| whole run (median) |");
		StringBuilder sum = new StringBuilder("| sum of kernels |");
		StringBuilder cpu = new StringBuilder("| CPU time of the calling thread (all of it with 1 thread) |");
		for (Result r : results) {
			run.append(String.format(Locale.ROOT, " %,.0f |", r.medianRunUs()));
			sum.append(String.format(Locale.ROOT, " %,.0f |", r.kernelSum()));
			cpu.append(String.format(Locale.ROOT, " %,.0f |", r.cpuUs()));
		}
		System.out.println(run);
		System.out.println(sum);
		System.out.println(cpu);
		table.entrySet().stream().sorted((a, b) -> Double.compare(max(b.getValue()), max(a.getValue()))).forEach(e -> {
			StringBuilder line = new StringBuilder("| " + e.getKey() + " |");
			for (double[] v : e.getValue()) {
				line.append(v == null ? " |" : String.format(Locale.ROOT, " %,.0f (%d) |", v[0], (int) v[1]));
			}
			System.out.println(line);
		});
		if (nodes) {
			for (Result r : results) {
				System.out.println();
				System.out.println(r.model() + ": per node, µs per run over " + r.runs() + " runs");
				r.usByNode().entrySet().stream().sorted((a, b) -> Double.compare(b.getValue(), a.getValue()))
						.forEach(e -> System.out.printf(Locale.ROOT, "  %,9.0f  %-45s %s%n", e.getValue(), r.labelByNode().get(e.getKey()), e.getKey()));
			}
		}
	}

	private static double max(double[][] v) {
		return Arrays.stream(v).mapToDouble(x -> x == null ? 0 : x[0]).max().orElse(0);
	}
}
