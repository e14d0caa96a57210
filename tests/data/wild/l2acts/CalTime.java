import java.nio.file.*;
import java.util.*;
import org.quantrace.engine.Progress;
import org.quantrace.engine.calibrate.*;
import org.quantrace.engine.calibrate.CalibrationSettings.Method;
import org.quantrace.engine.data.*;
import org.quantrace.engine.onnx.*;
import org.quantrace.engine.quantize.*;
import org.quantrace.engine.runtime.*;

/** CalTime ROUNDS DATA.npy MODEL.onnx...: per model, process CPU and wall seconds of bare float inference (batches of 32, session
 * opened inside), min-max calibration and l2 calibration of fiq_int8's tensors, interleaved, ROUNDS rounds after a warm-up; medians. */
public class CalTime {
	public static void main(String[] a) throws Exception {
		int rounds = Integer.parseInt(a[0]);
		Dataset data = NpyDataset.open(Path.of(a[1]), null);
		for (int i = 2; i < a.length; i++) {
			OnnxModel model = OnnxModel.load(Path.of(a[i]));
			Map<String, TensorInfo> shapes = Calibrator.shapes(model, "m");
			List<String> tensors = QuantizationPlan.fullInteger(model, Schemes.preset("fiq_int8"), shapes).calibrationTensors();
			String[] what = { "bare", "minmax", "l2" };
			double[][] cpu = new double[3][rounds], wall = new double[3][rounds];
			for (int r = -1; r < rounds; r++) {
				for (int w = 0; w < 3; w++) {
					long c0 = cpu(), t0 = System.nanoTime();
					if (w == 0) {
						try (InferenceSession s = InferenceSession.open(model, SessionSettings.defaults(), "bare")) {
							for (int from = 0; from < data.size(); from += 32) {
								s.run(data.read(from, Math.min(data.size(), from + 32)).inputs());
							}
						}
					} else {
						Calibrator.calibrate(model, "m", tensors, data, CalibrationSettings.minMax().with(w == 1 ? Method.MINMAX : Method.L2).withBatchSize(32), shapes, Progress.NONE);
					}
					if (r >= 0) {
						cpu[w][r] = (cpu() - c0) / 1e9;
						wall[w][r] = (System.nanoTime() - t0) / 1e9;
					}
				}
			}
			double bc = med(cpu[0]), bw = med(wall[0]);
			System.out.printf(Locale.ROOT, "%s (%d tensors): bare cpu %.3f s wall %.3f s | minmax cpu %.3f (%.2fx) wall %.3f (%.2fx) | l2 cpu %.3f (%.2fx) wall %.3f (%.2fx) | l2/minmax cpu %.2fx%n",
					Path.of(a[i]).getFileName(), tensors.size(), bc, bw, med(cpu[1]), med(cpu[1]) / bc, med(wall[1]), med(wall[1]) / bw, med(cpu[2]), med(cpu[2]) / bc,
					med(wall[2]), med(wall[2]) / bw, med(cpu[2]) / med(cpu[1]));
		}
	}
	static double med(double[] v) { double[] s = v.clone(); Arrays.sort(s); return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; }
	static long cpu() throws Exception {
		String stat = Files.readString(Path.of("/proc/self/stat"));
		String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
		return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
	}
}
