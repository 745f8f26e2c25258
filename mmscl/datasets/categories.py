# The 24 human chromosome types in karyotype order; label index = position.
CHROMOSOME_CATEGORIES = tuple(str(i) for i in range(1, 23)) + ('X', 'Y')


def type_name_from_number(number: int, first: int = 1) -> str:
    """The type name of a number in a numbering of the 24 types in
    karyotype order ('1'..'22', 'X', 'Y').

    Args:
        number (int): The number, e.g. 23 (X) with ``first=1``.
        first (int): The number of type '1': 1 for the published numberings
            (X = 23, Y = 24), 0 for 0-based class folders (X = 22).
            Defaults to 1.

    Returns:
        str: The type name.
    """
    if not first <= number < first + len(CHROMOSOME_CATEGORIES):
        raise ValueError(f'{number} is not a type number ({first}..'
                         f'{first + len(CHROMOSOME_CATEGORIES) - 1}).')
    return CHROMOSOME_CATEGORIES[number - first]


def type_number_from_name(name: str, first: int = 1) -> int:
    """The inverse of :func:`type_name_from_number`.

    Args:
        name (str): A type name ('1'..'22', 'X', 'Y').
        first (int): The number of type '1'. Defaults to 1.

    Returns:
        int: The type number.
    """
    return CHROMOSOME_CATEGORIES.index(name) + first


def type_names_by_number(first: int = 1) -> dict:
    """Each type number, as a string (a folder or file name part), mapped
    to its type name.

    Args:
        first (int): The number of type '1'. Defaults to 1.

    Returns:
        dict[str, str]: E.g. ``{'1': '1', ..., '23': 'X', '24': 'Y'}``.
    """
    return {
        str(number): name
        for number, name in enumerate(CHROMOSOME_CATEGORIES, start=first)
    }
