package org.quantrace.measure;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Share IMAGES LABELS MODEL...: the integer share of MACs ONNX Runtime runs (IntegerMacs: its optimized graph, level EXTENDED), per
 * model, with the MACs by op. Compiled as Preds.java is (javac -cp 'PLUGINS/*' with the org.quantrace.measure sources); the sample
 * shape comes from IMAGES (make_unseen11 round: t64.npy, t64nhwc.npy).
 */
public final class Share {
	public static void main(String[] args) throws Exception {
		Samples data = Samples.read(Path.of(args[0]), Path.of(args[1]));
		for (int i = 2; i < args.length; i++) {
			IntegerMacs m = IntegerMacs.of(Path.of(args[i]), data.shape(), null);
			System.out.printf(Locale.ROOT, "%s: integer MACs %.1f %% of %,d per sample; MACs by op %s (%s)%n", args[i], 100 * m.share(),
					m.integerMacs() + m.floatMacs(), m.byOp(), m.probe());
		}
	}
}
