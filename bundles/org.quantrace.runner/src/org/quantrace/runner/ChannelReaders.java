package org.quantrace.runner;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;

/**
 * Where a pruned channel space's readers see its channels, for {@link ActivationScoreRecheck}, from the README's wording of the
 * criterion ("the mean |activation| its readers see"): from its layers' outputs forward through what keeps channels apart
 * (activations, pools, normalizations, residual Adds, resizes, a depthwise convolution), every tensor a layer (Conv,
 * ConvTranspose, Gemm, MatMul), a flattening (Flatten, Reshape) or a Concat reads; a Concat's wider output is another tensor's
 * channels and is not followed. A space that reaches none is seen at its layers' outputs. Only a space the run pruned is
 * asked about, so every op met keeps its channels (the run refused any other); a Shape only reads its size.
 */
final class ChannelReaders {

	/** Ops whose first input is what the channels are worth to the model: a layer reads them, or flattens them to one. */
	private static final Set<String> READING = Set.of("Conv", "ConvTranspose", "Gemm", "MatMul", "Flatten", "Reshape");

	/** The tensors to measure, and whether the channels are the last axis (a MatMul's [N, T, C] tokens) rather than axis 1. */
	record Space(List<String> tensors, boolean channelsLast) {
	}

	private ChannelReaders() {
	}

	static Space of(Graph g, List<String> layers) {
		Set<String> read = new LinkedHashSet<>();
		Set<String> seen = new HashSet<>();
		Deque<String> todo = new ArrayDeque<>();
		List<String> outputs = new ArrayList<>();
		boolean channelsLast = false;
		for (String layer : layers) {
			Node n = g.nodes().stream().filter(x -> x.name().equals(layer)).findFirst().orElse(null);
			if (n != null) {
				channelsLast |= outputs.isEmpty() && n.opType().equals("MatMul");
				outputs.add(n.output(0));
				todo.add(n.output(0));
			}
		}
		while (!todo.isEmpty()) {
			String t = todo.poll();
			if (!seen.add(t)) {
				continue;
			}
			for (Node n : g.nodes()) {
				int k = n.inputs().indexOf(t);
				if (k < 0 || n.opType().equals("Shape")) {
					continue;
				}
				if (n.opType().equals("Concat")) {
					read.add(t);
				} else if (READING.contains(n.opType()) && k == 0) {
					read.add(t);
					if (n.opType().equals("Conv") && n.intAttribute("group", 1) > 1 || n.opType().equals("Reshape") && g.constant(n.input(1)) == null) {
						todo.add(n.output(0)); // a depthwise convolution keeps the channels apart; so does a Reshape sized from the tensor's own shape
					}
				} else if (!READING.contains(n.opType())) {
					todo.add(n.output(0));
				}
			}
		}
		return new Space(List.copyOf(read.isEmpty() ? outputs : read), channelsLast);
	}
}
