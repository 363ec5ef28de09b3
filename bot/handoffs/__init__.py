"""Handoffs to Student Services staff: tickets, contact checks, transcripts and staff notifications."""
