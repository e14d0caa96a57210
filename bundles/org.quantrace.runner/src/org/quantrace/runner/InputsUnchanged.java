package org.quantrace.runner;

import java.io.UncheckedIOException;
import java.nio.file.Path;

import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.IoErrors;
import org.quantrace.engine.SafeFiles;
import org.quantrace.model.trace.InputFile;
import org.quantrace.model.trace.InputKind;
import org.quantrace.model.trace.TraceModel;

/**
 * The run's models, label and target files still are the files it read, checked before its outputs are written: a model copied
 * over while the run went was recorded with the replacement's hash beside figures of the model the run had read (hostile18: exit
 * 0, "Accepted", and verify found 7 mismatches in the new folder). The run is refused instead (exit 2), its previous outputs left
 * as they were.
 */
final class InputsUnchanged {

	private InputsUnchanged() {
	}

	/** @param recipeFolder the folder the trace names its inputs relative to */
	static void check(TraceModel trace, Path recipeFolder) {
		for (InputFile f : trace.getInputFiles()) {
			// the hashes taken as the run read them (RecipeContext.sha256AsRead); a dataset is recorded by its manifest, a recipe
			// file by the text the run copied into its outputs
			if (f.getKind() == InputKind.DATASET || f.getKind() == InputKind.RECIPE || f.getKind() == InputKind.IMPORT) {
				continue;
			}
			Path file = recipeFolder.resolve(f.getPath()).normalize();
			String now;
			try {
				now = SafeFiles.sha256(file);
			} catch (UncheckedIOException e) {
				now = "unreadable: " + IoErrors.describe(e.getCause());
			}
			if (!now.equals(f.getSha256())) {
				throw changed(file, f.getSha256(), now + " now");
			}
		}
	}

	/**
	 * Refuses the run when the dataset {@code data}'s files, as its reader read them by now (a file read is listed from the bytes its
	 * samples came from, one not read as it is now), are not those {@code recorded} lists, its record's manifest made when the step
	 * opened the data: the record would name a file other than the one read. The first file that differs is named.
	 */
	static void sameAsRead(org.quantrace.engine.data.Dataset data, org.quantrace.engine.data.DatasetManifest recorded) {
		org.quantrace.engine.data.DatasetManifest now = org.quantrace.engine.data.DatasetManifest.of(data);
		if (now.sha256().equals(recorded.sha256())) {
			return;
		}
		for (int i = 0; i < now.entries().size(); i++) {
			org.quantrace.engine.data.DatasetManifest.Entry e = now.entries().get(i);
			org.quantrace.engine.data.DatasetManifest.Entry was = i < recorded.entries().size() ? recorded.entries().get(i) : null;
			if (was == null || !was.equals(e)) {
				throw changedAfterRecord(data.root().resolve(e.path()), was == null ? "not listed" : "sha256 " + was.sha256(), e.sha256());
			}
		}
		throw changedAfterRecord(data.root(), "manifest sha256 " + recorded.sha256(), now.sha256());
	}

	private static InvalidInputException changedAfterRecord(Path file, String recorded, String read) {
		return new InvalidInputException(file + ": changed while the run used it (" + recorded + " when its dataset was recorded, sha256 " + read
				+ " as the run read it afterwards): the outputs would name a file the run did not use, so none were written",
				"run again once nothing writes to the dataset (a copy, a download or an export still going?)");
	}

	/** The refusal of a run whose input {@code file}, read as {@code read}, is found {@code now} (its hash and when). */
	static InvalidInputException changed(Path file, String read, String now) {
		return new InvalidInputException(file + ": changed while the run used it (sha256 " + read + " when read, " + now
				+ "): the outputs would name a file the run did not use, so none were written",
				"run again once nothing writes to the file (a copy, a download or an export still going?)");
	}
}
