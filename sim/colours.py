"""The plots' colours, without matplotlib: what a simulation's drawing picks its series' colours from."""

PALETTE = ("#4e9af1", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#edc948", "#76b7b2", "#ff9da7")
#: On a light background: the same hues, dark enough to stand out on white (contrast >= 3:1).
PALETTE_LIGHT = ("#1f5fbf", "#c05a00", "#2f7d32", "#c62828", "#7b3f9e", "#8a6d00", "#00796b", "#ad1457")
