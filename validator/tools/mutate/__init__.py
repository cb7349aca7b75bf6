"""``mutate``: one-defect variants of a valid transcript, each with the finding it must produce."""
