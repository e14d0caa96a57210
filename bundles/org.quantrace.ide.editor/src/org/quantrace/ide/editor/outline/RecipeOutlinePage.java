package org.quantrace.ide.editor.outline;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

import org.eclipse.jface.text.BadLocationException;
import org.eclipse.jface.text.DocumentEvent;
import org.eclipse.jface.text.IDocument;
import org.eclipse.jface.text.IDocumentListener;
import org.eclipse.jface.viewers.ITreeContentProvider;
import org.eclipse.jface.viewers.IStructuredSelection;
import org.eclipse.jface.viewers.LabelProvider;
import org.eclipse.jface.viewers.SelectionChangedEvent;
import org.eclipse.jface.viewers.TreeViewer;
import org.eclipse.lsp4j.DocumentSymbol;
import org.eclipse.lsp4j.Range;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Display;
import org.eclipse.ui.texteditor.ITextEditor;
import org.eclipse.ui.views.contentoutline.ContentOutlinePage;
import org.eclipse.xtext.ide.server.symbol.DocumentSymbolService;
import org.quantrace.ide.editor.OpenDocuments;
import org.quantrace.ide.editor.RecipeLanguage;

/**
 * The Outline of a recipe: the language server's document symbols (recipes, their declarations by kind
 * and name, their steps by keyword), rebuilt a moment after each change; selecting one selects its name
 * in the editor.
 */
public final class RecipeOutlinePage extends ContentOutlinePage implements IDocumentListener {

	private static final int DELAY_MS = 400;

	private final ITextEditor editor;
	private final IDocument document;
	private final Runnable refresh = this::refresh;

	RecipeOutlinePage(ITextEditor editor) {
		this.editor = editor;
		this.document = editor.getDocumentProvider().getDocument(editor.getEditorInput());
	}

	@Override
	public void createControl(Composite parent) {
		super.createControl(parent);
		TreeViewer tree = getTreeViewer();
		tree.setContentProvider(new Symbols());
		tree.setLabelProvider(new LabelProvider() {
			@Override
			public String getText(Object element) {
				return ((DocumentSymbol) element).getName();
			}
		});
		tree.setAutoExpandLevel(2);
		refresh();
		if (document != null) {
			document.addDocumentListener(this);
		}
	}

	/** The recipe's symbols as the outline shows them, nested: the files's recipes and shared declarations at the top. */
	public static List<DocumentSymbol> symbols(IDocument document) {
		RecipeLanguage.Parsed p = RecipeLanguage.parse(document.get(), OpenDocuments.fileOf(document));
		List<DocumentSymbol> all = RecipeLanguage.get(DocumentSymbolService.class).getSymbols(p.resource(), () -> false);
		// the service lists every symbol, each with its children: the roots are those no other symbol contains
		Set<DocumentSymbol> nested = Collections.newSetFromMap(new IdentityHashMap<>());
		all.forEach(s -> addChildren(s, nested));
		return all.stream().filter(s -> !nested.contains(s)).toList();
	}

	private static void addChildren(DocumentSymbol s, Set<DocumentSymbol> into) {
		if (s.getChildren() != null) {
			for (DocumentSymbol c : s.getChildren()) {
				if (into.add(c)) {
					addChildren(c, into);
				}
			}
		}
	}

	private void refresh() {
		TreeViewer tree = getTreeViewer();
		if (tree == null || tree.getControl().isDisposed() || document == null) {
			return;
		}
		tree.setInput(symbols(document));
	}

	@Override
	public void documentAboutToBeChanged(DocumentEvent event) {
	}

	@Override
	public void documentChanged(DocumentEvent event) {
		Display display = getControl() == null ? null : getControl().getDisplay();
		if (display != null) {
			display.timerExec(-1, refresh);
			display.timerExec(DELAY_MS, refresh);
		}
	}

	@Override
	public void selectionChanged(SelectionChangedEvent event) {
		super.selectionChanged(event);
		if (event.getSelection() instanceof IStructuredSelection s && s.getFirstElement() instanceof DocumentSymbol symbol && document != null) {
			Range r = symbol.getSelectionRange();
			try {
				int start = document.getLineOffset(r.getStart().getLine()) + r.getStart().getCharacter();
				int end = document.getLineOffset(r.getEnd().getLine()) + r.getEnd().getCharacter();
				editor.selectAndReveal(start, end - start);
			} catch (BadLocationException e) {
				// the outline is older than the text: the next refresh fixes it
			}
		}
	}

	@Override
	public void dispose() {
		if (document != null) {
			document.removeDocumentListener(this);
		}
		if (getControl() != null && !getControl().isDisposed()) {
			getControl().getDisplay().timerExec(-1, refresh);
		}
		super.dispose();
	}

	private static final class Symbols implements ITreeContentProvider {
		@Override
		public Object[] getElements(Object input) {
			return ((List<?>) input).toArray();
		}

		@Override
		public Object[] getChildren(Object parent) {
			List<DocumentSymbol> children = ((DocumentSymbol) parent).getChildren();
			return children == null ? new Object[0] : children.toArray();
		}

		@Override
		public Object getParent(Object element) {
			return null;
		}

		@Override
		public boolean hasChildren(Object element) {
			List<DocumentSymbol> children = ((DocumentSymbol) element).getChildren();
			return children != null && !children.isEmpty();
		}
	}
}
