"""Writes for education, one module per concern: schemes, rounds and schools, applications."""
