"""Stage 9: figures, Markdown tables and generated sentences, widgets."""
