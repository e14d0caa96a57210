package org.quantrace.runner.verify;

import java.util.ArrayList;
import java.util.List;

/**
 * Re-derives every figure the documents of an output folder print about its models, by this package's own
 * reading of the ONNX files, and lists what does not hold. Each document has its check; the trace that
 * wrote the documents is itself one of them, checked against the files like the others.
 */
public final class Rederivation {

	/** The checks, one per document. */
	static final List<DocumentCheck> CHECKS = List.of(new TraceCheck(), new ResultsCheck(), new ReportCheck(), new LogCheck(), new DebugCheck());

	private Rederivation() {
	}

	public static List<Mismatch> check(Evidence e) {
		List<Mismatch> found = new ArrayList<>();
		for (DocumentCheck c : CHECKS) {
			c.check(e, found);
		}
		return found;
	}
}
