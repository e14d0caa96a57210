package org.quantrace.engine.onnx;

import java.util.ArrayList;
import java.util.Optional;

/** Normalizations that make weights look the same whoever exported the model. */
public final class Initializers {

	private Initializers() {
	}

	/**
	 * Turns the main graph's Constant nodes into initializers of the same name (exporters differ: some
	 * store weights as Constant nodes), so that later passes find every weight among the initializers.
	 * Returns how many were moved.
	 */
	public static int hoistConstants(Graph g) {
		int moved = 0;
		for (Node n : new ArrayList<>(g.nodes())) {
			Optional<Tensor> value = Constants.valueOf(n);
			if (value.isPresent() && g.initializer(n.output(0)) == null) {
				g.putInitializer(value.get());
				g.nodes().remove(n);
				moved++;
			}
		}
		return moved;
	}
}
