"""The values every layer shares: findings and their positions, framed and decoded events, and
small helpers for reading JSON values. The lowest layer: it imports nothing of the package.
"""
