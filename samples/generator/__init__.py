"""Synthetic sample materials: people, documents of every contract type, capture effects, labelled cases.

Entry points: :func:`samples.generator.build.build_corpus` (the labelled corpus),
:func:`samples.generator.documents.render_document` (one document + ground truth),
:func:`samples.generator.materials.capture_bytes` (the uploaded file as a phone/scanner gives it).
"""
