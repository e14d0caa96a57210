package org.quantrace.engine.data;

/**
 * Ground truth for a batch: one class index per sample (single-label), or {@code width} 0/1 flags per
 * sample (multilabel, row-major).
 */
public record Labels(int[] classes, byte[] flags, int width) {

	public static Labels singleLabel(int[] classes) {
		return new Labels(classes, null, 1);
	}

	public static Labels multilabel(byte[] flags, int width) {
		return new Labels(null, flags, width);
	}

	public boolean isMultilabel() {
		return flags != null;
	}

	public int size() {
		return classes != null ? classes.length : flags.length / width;
	}
}
