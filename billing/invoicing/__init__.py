"""Invoices and credit notes of paid bookings (issue 15 item 3): models, numbering, VAT, PDF, providers."""
