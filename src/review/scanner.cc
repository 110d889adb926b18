// In progress (issue 3): see scanner.h / docs/modules/review.md.
