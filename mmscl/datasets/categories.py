# The 24 human chromosome types in karyotype order; label index = position.
CHROMOSOME_CATEGORIES = tuple(str(i) for i in range(1, 23)) + ('X', 'Y')
