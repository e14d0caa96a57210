package org.quantrace.runner.verify;

import java.util.List;

/**
 * Checks the figures one document of an output folder prints against what this package re-derives from the
 * files. One implementation per document; a new document (the logs' tables, a PDF) adds one to
 * {@link Rederivation#CHECKS}.
 */
public interface DocumentCheck {

	/** Adds a {@link Mismatch} for every figure that does not hold. */
	void check(Evidence e, List<Mismatch> found);
}
