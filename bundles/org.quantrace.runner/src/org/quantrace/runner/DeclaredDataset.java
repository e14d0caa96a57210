package org.quantrace.runner;

import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.data.Batch;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.ForwardingDataset;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.model.recipe.DatasetDeclaration;

/**
 * A dataset as a recipe declares it: a sample that cannot be read once the work has started (an image whose header is whole but
 * whose pixels are cut short: a JPEG cut mid-scan, a truncated PNG, found only when decoded) is refused as {@link Unreadable},
 * which names the declaration, so that the run says it on the dataset's line with the code {@code data-unreadable}, as the checks
 * before any work say a damaged header. Before, the run ended with the file's name and no recipe line.
 */
record DeclaredDataset(DatasetDeclaration declaration, Dataset base) implements ForwardingDataset {

	/** A sample of {@code declaration} that cannot be read: the reader's words, the declaration to put them on. */
	static final class Unreadable extends InvalidInputException {
		private static final long serialVersionUID = 1L;
		private final transient DatasetDeclaration declaration;

		Unreadable(DatasetDeclaration declaration, InvalidInputException cause) {
			super(cause.getMessage(), cause.hint(), cause);
			this.declaration = declaration;
		}

		DatasetDeclaration declaration() {
			return declaration;
		}
	}

	@Override
	public String name() {
		return base.name();
	}

	@Override
	public int size() {
		return base.size();
	}

	@Override
	public Batch read(int from, int to) {
		try {
			return base.read(from, to);
		} catch (Unreadable e) {
			throw e;
		} catch (InvalidInputException e) {
			throw new Unreadable(declaration, e);
		}
	}

	@Override
	public NdArray readInputs(int from, int to, float[] reuse) {
		try {
			return base.readInputs(from, to, reuse);
		} catch (Unreadable e) {
			throw e;
		} catch (InvalidInputException e) {
			throw new Unreadable(declaration, e);
		}
	}

	@Override
	public Dataset limit(int n) {
		return rewrapped(base.limit(n), d -> new DeclaredDataset(declaration, d));
	}

	@Override
	public Dataset named(String name) {
		return rewrapped(base.named(name), d -> new DeclaredDataset(declaration, d));
	}
}
