package org.quantrace.engine.calibrate;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.onnx.TensorInfo;
import org.quantrace.engine.runtime.ActivationBudget;

/**
 * How much of a calibration batch runs at once, so that memory stays within a fixed budget whatever the model's input
 * size and however many samples there are. A batch keeps its meaning (moving averages update once per batch, ranges and
 * histograms do not depend on it), but it is fed to ONNX Runtime in chunks of as many samples as the budget allows, and
 * a histogram method whose exposed tensors outgrow the budget even for one sample reads them in groups, one run per
 * group. Sizes come from the shapes of one sample ({@link Calibrator#shapes}); without them nothing is split.
 */
final class MemoryBudget {

	private MemoryBudget() {
	}

	/** Bytes one sample adds to the outputs fetched ({@code exposed}: tensor names). */
	static long exposedPerSample(Map<String, TensorInfo> shapes, Collection<String> exposed) {
		return exposed.stream().map(shapes::get).filter(t -> t != null).mapToLong(t -> Math.max(0, t.elementCount()) * 4).sum();
	}

	/**
	 * The exposed tensors in groups of at most half the budget for {@code chunk} samples each, in the order given (the order
	 * the graph computes them); one group when they fit, or when sizes are unknown.
	 */
	static List<Set<String>> groups(Collection<String> exposed, Map<String, TensorInfo> shapes, int chunk) {
		List<Set<String>> groups = new ArrayList<>();
		Set<String> current = new LinkedHashSet<>();
		long bytes = 0;
		for (String t : exposed) {
			TensorInfo info = shapes.get(t);
			long size = info == null ? 0 : Math.max(0, info.elementCount()) * 4L * chunk;
			if (!current.isEmpty() && bytes + size > ActivationBudget.BYTES / 2) {
				groups.add(current);
				current = new LinkedHashSet<>();
				bytes = 0;
			}
			current.add(t);
			bytes += size;
		}
		if (!current.isEmpty()) {
			groups.add(current);
		}
		return groups;
	}
}
