package org.quantrace.engine;

import java.util.Locale;

/**
 * An option of the engine's configurations as recipes, the command line and the logs spell it: the
 * constant's name in lower case, words joined by '-' (DYNAMIC_RANGE is "dynamic-range").
 */
public interface Keyword {

	String name();

	default String literal() {
		return name().toLowerCase(Locale.ROOT).replace('_', '-');
	}
}
