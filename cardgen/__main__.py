from cardgen.cli import main

if __name__ == "__main__":  # worker processes may import this module; only `python -m` runs it
    main()
