"""Where submissions come from: loose notebooks, folders, and the exports of Gradescope and Canvas."""
