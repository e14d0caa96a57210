package org.quantrace.engine.prune;

import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;

import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;

/**
 * The rewrites of tensors that hold several layers' channels side by side, a Concat's output and what reads it. Each layer's space
 * says which of its channels go, at its part's offset; the reader's rewrite runs once with every part's removals, since slicing it
 * space by space would shift the offsets of the parts after the first.
 */
final class ConcatParts {

	/** A space's channels as the slice [offset, offset + channels) of a tensor of {@code width} channels, joined by {@code concat}. */
	record Part(Node concat, int offset, int channels, int width) {
	}

	/** One reader's rewrite and the channels of its wide tensor to remove. */
	private record Pending(int width, ChannelPruning.Action rewrite, BitSet removed) {
	}

	private final Map<Object, Pending> pending = new LinkedHashMap<>();

	/** Notes the channels of {@code part} a space does not keep; {@code kept} indexes the space's own channels. */
	void remove(Object key, Part part, int[] kept, ChannelPruning.Action rewrite) {
		Pending p = pending.computeIfAbsent(key, k -> new Pending(part.width(), rewrite, new BitSet(part.width())));
		BitSet keep = new BitSet(part.channels());
		for (int c : kept) {
			keep.set(c);
		}
		for (int c = 0; c < part.channels(); c++) {
			if (!keep.get(c)) {
				p.removed().set(part.offset() + c);
			}
		}
	}

	/** Runs each reader's rewrite once, with the channels of its wide tensor that every part keeps. */
	void apply(Graph g) {
		for (Pending p : pending.values()) {
			if (!p.removed().isEmpty()) {
				BitSet removed = p.removed();
				p.rewrite().apply(g, java.util.stream.IntStream.range(0, p.width()).filter(c -> !removed.get(c)).toArray());
			}
		}
		pending.clear();
	}
}
