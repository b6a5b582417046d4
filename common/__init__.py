"""The lowest layer: mechanics every app shares and none owns — CSV text and the formula guard
(``spreadsheets``), numbers as people read them (``numbers``), absolute site URLs (``urls``),
neighbour-swap ordering (``ordering``), one kind of refusal (``refused``). It imports no app."""
