import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;
import ai.onnxruntime.*;

/**
 * CPU time per batch of models fed from raw files, one intra-op thread, CPU µs of the calling thread, models alternating in
 * chunks of 10 (A B, then B A), as org.quantrace.measure.CpuTime (which feeds one image input only). Inputs: NAME reads NAME.bin,
 * little-endian int64 [N, L] (bert2in's input_ids and attention_mask); NAME=f reads float32 [N, 1, 28, 28], fed to a model with an
 * INT8 input as fiq-int8's codes (scale 1/255, zero point -128). Files from bins.py. Hand script, tests/data/wild/README.md masks33:
 * javac -cp onnxruntime.jar -d cls MultiCpu.java; java -cp onnxruntime.jar:cls MultiCpu DIR L BATCH RUNS PASSES NAME[,NAME] BASE.onnx MODEL.onnx...
 */
public class MultiCpu {
	public static void main(String[] a) throws Exception {
		Path dir = Path.of(a[0]); int len = Integer.parseInt(a[1]), batch = Integer.parseInt(a[2]), runs = Integer.parseInt(a[3]), passes = Integer.parseInt(a[4]);
		String[] names = a[5].split(",");
		OrtEnvironment env = OrtEnvironment.getEnvironment();
		List<OrtSession> s = new ArrayList<>(); List<String> files = new ArrayList<>();
		Map<String, OnnxTensor> feed = new LinkedHashMap<>();
		Map<String, OnnxTensor> int8Feed = new LinkedHashMap<>();
		List<Map<String, OnnxTensor>> feeds = new ArrayList<>();
		for (String spec : names) {
			// NAME (int64 [N, L]) or NAME=f (float [N, 1, 28, 28])
			String n = spec.split("=")[0];
			ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(dir.resolve(n + ".bin"))).order(ByteOrder.LITTLE_ENDIAN);
			if (spec.endsWith("=f")) {
				float[] v = new float[batch * 784];
				b.asFloatBuffer().get(v);
				feed.put(n, OnnxTensor.createTensor(env, java.nio.FloatBuffer.wrap(v), new long[] { batch, 1, 28, 28 }));
				byte[] q = new byte[v.length]; // fiq-int8's input: scale 1/255, zero point -128
				for (int i = 0; i < v.length; i++) q[i] = (byte) (Math.round(v[i] * 255) - 128);
				int8Feed.put(n, OnnxTensor.createTensor(env, ByteBuffer.wrap(q), new long[] { batch, 1, 28, 28 }, OnnxJavaType.INT8));
				continue;
			}
			long[] v = new long[batch * len];
			b.asLongBuffer().get(v);
			feed.put(n, OnnxTensor.createTensor(env, LongBuffer.wrap(v), new long[] { batch, len }));
		}
		for (int i = 6; i < a.length; i++) {
			OrtSession.SessionOptions o = new OrtSession.SessionOptions();
			o.setIntraOpNumThreads(1); o.setInterOpNumThreads(1); o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
			o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
			OrtSession session = env.createSession(a[i], o);
			s.add(session); files.add(Path.of(a[i]).getFileName().toString());
			boolean int8 = ((TensorInfo) session.getInputInfo().values().iterator().next().getInfo()).type == OnnxJavaType.INT8;
			feeds.add(int8 && !int8Feed.isEmpty() ? int8Feed : feed);
		}
		ThreadMXBean clock = ManagementFactory.getThreadMXBean();
		System.out.printf("batch %d, %d runs x %d passes, 1 thread%n", batch, runs, passes);
		for (int p = 1; p <= passes; p++) {
			for (int x = 0; x < s.size(); x++) for (int r = 0; r < 3; r++) s.get(x).run(feeds.get(x)).close();
			long[] cpu = new long[s.size()];
			for (int done = 0; done < runs; done += 10) {
				for (int k = 0; k < s.size(); k++) {
					int i = (done / 10) % 2 == 0 ? k : s.size() - 1 - k;
					long t = clock.getCurrentThreadCpuTime();
					for (int r = 0; r < Math.min(10, runs - done); r++) s.get(i).run(feeds.get(i)).close();
					cpu[i] += clock.getCurrentThreadCpuTime() - t;
				}
			}
			StringBuilder line = new StringBuilder("pass " + p + ":");
			for (int i = 0; i < cpu.length; i++) {
				line.append(String.format(Locale.ROOT, "  %s %,.0f", files.get(i), cpu[i] / 1e3 / runs));
				if (i > 0) line.append(String.format(Locale.ROOT, " (%.2f)", (double) cpu[i] / cpu[0]));
			}
			System.out.println(line);
		}
	}
}
