package org.quantrace.engine.data;

import java.nio.file.Path;

/** A dataset with the record of the files its reader read ({@link FilesAsRead}), kept by every cut and name of it. */
record ReadDataset(Dataset base, FilesAsRead read) implements ForwardingDataset {

	@Override
	public FilesAsRead.Read asRead(Path file) {
		return read.of(file);
	}

	@Override
	public Batch read(int from, int to) {
		return base.read(from, to);
	}

	@Override
	public org.quantrace.engine.runtime.NdArray readInputs(int from, int to, float[] reuse) {
		return base.readInputs(from, to, reuse);
	}

	@Override
	public Dataset limit(int n) {
		return rewrapped(base.limit(n), d -> new ReadDataset(d, read));
	}

	@Override
	public Dataset named(String name) {
		return rewrapped(base.named(name), d -> new ReadDataset(d, read));
	}
}
