package org.quantrace.engine.data;

import java.nio.file.Path;
import java.util.List;

/**
 * A dataset that wraps another ({@link #base()}) and changes only some of it (a view's name and size, a recipe's declaration
 * to report damage on): everything else is the base's.
 */
public interface ForwardingDataset extends Dataset {

	/** The wrapped dataset. */
	Dataset base();

	/**
	 * {@code changed} (the base cut or renamed) wrapped as this wraps its base by {@code wrap}, or this when the base gave
	 * itself back: for wrappers whose limit and name views keep what they add (a declaration, a record of refused reads).
	 */
	default Dataset rewrapped(Dataset changed, java.util.function.Function<Dataset, Dataset> wrap) {
		return changed == base() ? this : wrap.apply(changed);
	}

	@Override
	default String name() {
		return base().name();
	}

	@Override
	default int size() {
		return base().size();
	}

	@Override
	default long[] sampleShape() {
		return base().sampleShape();
	}

	@Override
	default Labels labels(int from, int to) {
		return base().labels(from, to);
	}

	@Override
	default String sampleAt(int i) {
		return base().sampleAt(i);
	}

	@Override
	default List<String> labelNames() {
		return base().labelNames();
	}

	@Override
	default boolean labelsGuessed() {
		return base().labelsGuessed();
	}

	@Override
	default List<DataWarning> warnings() {
		return base().warnings();
	}

	@Override
	default List<Path> files() {
		return base().files();
	}

	@Override
	default Path root() {
		return base().root();
	}

	@Override
	default FilesAsRead.Read asRead(Path file) {
		return base().asRead(file);
	}

	@Override
	default List<SampleArray> namedInputs() {
		return base().namedInputs();
	}

	@Override
	default String singleInputProblem() {
		return base().singleInputProblem();
	}

	@Override
	default String preprocessing() {
		return base().preprocessing();
	}
}
