package org.quantrace.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A percentage option written as a recipe writes it ({@code sparsity 30%}) or as a bare number ({@code 30}): both mean 30 %.
 * {@code --sparsity 30%} was "'30%' is not a double" (advice12), leaving the user to guess what to write.
 */
final class Percent implements ITypeConverter<Double> {

	@Override
	public Double convert(String value) {
		String number = value.strip();
		if (number.endsWith("%")) {
			number = number.substring(0, number.length() - 1).strip();
		}
		try {
			return Double.valueOf(number);
		} catch (NumberFormatException e) {
			throw new TypeConversionException("'" + value + "' is not a percentage: write a number of percent, e.g. 30 or 30%");
		}
	}
}
