package org.quantrace.ide.editor;

import org.eclipse.core.runtime.IProgressMonitor;
import org.eclipse.jface.text.IDocument;
import org.eclipse.jface.text.IRegion;
import org.eclipse.jface.text.reconciler.DirtyRegion;
import org.eclipse.jface.text.reconciler.IReconcilingStrategy;
import org.eclipse.jface.text.reconciler.IReconcilingStrategyExtension;

/**
 * A reconciling strategy that works on the whole recipe whatever changed (recipes are short; the language
 * services parse whole files anyway): when the editor opens and after each pause in typing.
 */
public abstract class WholeTextStrategy implements IReconcilingStrategy, IReconcilingStrategyExtension {

	protected volatile IDocument document;
	protected volatile IProgressMonitor monitor;

	/** Brings what this strategy shows up to date with the document's current text. */
	protected abstract void update();

	@Override
	public void setDocument(IDocument document) {
		this.document = document;
	}

	@Override
	public void setProgressMonitor(IProgressMonitor monitor) {
		this.monitor = monitor;
	}

	@Override
	public void initialReconcile() {
		update();
	}

	@Override
	public void reconcile(DirtyRegion dirtyRegion, IRegion subRegion) {
		update();
	}

	@Override
	public void reconcile(IRegion partition) {
		update();
	}

	protected boolean cancelled() {
		IProgressMonitor m = monitor;
		return m != null && m.isCanceled();
	}
}
