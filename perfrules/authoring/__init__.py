"""Tools for pack authors, standing on the public engine: examples (``perfrules test``), likely
mistakes (``perfrules lint``) and a pack's catalogue in words (``perfrules explain``, ``docs``)."""
