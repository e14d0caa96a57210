package org.quantrace.engine.data;

import java.nio.file.Files;
import java.nio.file.Path;

import org.quantrace.engine.InvalidInputException;
import org.quantrace.model.DatasetFormats;
import org.quantrace.model.recipe.DatasetDeclaration;
import org.quantrace.model.recipe.DatasetFormat;
import org.quantrace.model.recipe.RecipePackage;

/** Opens a dataset, choosing the reader by the declared format or by what the path holds. */
public final class Datasets {

	private Datasets() {
	}

	/** A .npy file of preprocessed inputs ([N, ...] as the model expects), with an optional label file. */
	public static Dataset open(Path data, Path labels) {
		return open(DatasetSpec.of(data, labels));
	}

	public static Dataset open(DatasetSpec spec) {
		return open(spec, new FilesAsRead());
	}

	/**
	 * The dataset, its files recorded in {@code read} as its reader reads them (the label file at the opening, each sample file as a
	 * pass reads it): {@link Dataset#asRead}. A run passes one record to every opening, so a file read by two of them must be one.
	 */
	public static Dataset open(DatasetSpec spec, FilesAsRead read) {
		Path path = spec.path();
		if (Files.isSymbolicLink(path)) {
			throw new InvalidInputException(path + ": is a symbolic link", "the specification forbids symbolic links in datasets: give the data itself");
		}
		if (!Files.exists(path)) {
			String home = org.quantrace.model.HomeFolder.unexpanded(path.toString());
			throw new InvalidInputException(path + ": not found", home != null ? home : "check the data path");
		}
		refuseSpecialFile(path, "a dataset");
		if (spec.labels() != null) {
			refuseSpecialFile(spec.labels(), "a label file");
		}
		DatasetFormat format = spec.format() != null ? spec.format() : guess(path);
		Dataset d = switch (format) {
		case FOLDER -> ImageFolderDataset.open(path, spec.labels(), spec.extensions(), spec.preprocessing(), read);
		case IDX -> IdxDataset.open(path, spec.labels(), spec.preprocessing(), read);
		case NPY -> NpyDataset.open(path, spec.labels(), spec.multilabel(), read);
		case NPZ -> NpzDataset.open(path, spec.labels(), spec.multilabel(), read);
		case CSV -> CsvDataset.open(path, spec.labelColumns(), spec.featureScale(), spec.labels(), read);
		};
		if (spec.samples() < 0) {
			throw new InvalidInputException(path + ": " + spec.samples() + " samples asked for", "give a number of samples >= 1 (0: all of them)");
		}
		return new ReadDataset(d, read).limit(spec.samples());
	}

	/** A recipe's dataset declaration, relative paths resolved against {@code base} (the recipe's folder). */
	public static Dataset open(DatasetDeclaration d, Path base) {
		Preprocessing p = d.getPreprocessing() != null ? Preprocessing.of(d.getPreprocessing()) : Preprocessing.defaults();
		DatasetFormat format = d.eIsSet(RecipePackage.Literals.DATASET_DECLARATION__FORMAT) ? d.getFormat() : null;
		return open(new DatasetSpec(base.resolve(d.getPath()), format, d.getLabels() == null ? null : base.resolve(d.getLabels()),
				java.util.Set.copyOf(d.getExtensions()), p, java.util.List.copyOf(d.getLabelColumns()), d.getSamples(),
				d.getPreprocessing() != null ? p.scale() : 1, d.isMultilabel()));
	}

	/**
	 * A named pipe nobody writes into (or /dev/zero named x.npy) is a file Java opens and reads forever: the command hung with no
	 * word (hostile16). Nothing quantrace reads as data is such a file, so it is refused before it is opened.
	 */
	private static void refuseSpecialFile(Path file, String what) {
		if (Files.exists(file) && !Files.isRegularFile(file) && !Files.isDirectory(file)) {
			throw new InvalidInputException(file + ": is not a regular file (a named pipe, a device or a socket), so not " + what,
					"give the file itself (copy what the pipe or device would deliver into a file first)");
		}
	}

	static DatasetFormat guess(Path path) {
		DatasetFormat f = DatasetFormats.of(path);
		if (f == null) {
			throw new InvalidInputException(path + ": cannot tell the data format from the name",
					"give a folder of class folders, a .npy/.npz/.csv file or IDX files, or declare the format");
		}
		return f;
	}
}
