"""Written answers: found in each submission, shown question by question, scored in a CSV and merged back."""
