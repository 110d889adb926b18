// In progress (issue 3): see pdf.h / docs/modules/review.md.
