"""The demo catalog's vocabulary: departments, their category tree, and what each leaf sells.

A leaf names the picture drawn for its products (`shape`, see images.py), the nouns in
its titles, the features its descriptions mention, its price range, and which typed
attributes (colours, materials, sizes, age groups) its products take.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Leaf:
    name: str
    shape: str
    nouns: tuple[str, ...]
    features: tuple[str, ...]
    uses: tuple[str, ...]
    price: tuple[float, float]
    materials: tuple[str, ...]
    colours: tuple[str, ...] = ("black", "white", "grey", "blue", "red")
    sizes: tuple[str, ...] = ()
    age_groups: tuple[str, ...] = ("adult",)


@dataclass(frozen=True)
class Department:
    name: str
    code: str
    brands: tuple[str, ...]
    groups: dict[str, tuple[Leaf, ...]] = field(default_factory=dict)
    """Subcategory name → leaves; the empty name puts leaves directly under the department."""


ADJECTIVES = {
    "budget": ("Essential", "Everyday", "Basic", "Simple", "Compact", "Classic"),
    "mid": ("Slim", "Lightweight", "Modern", "Sport", "Comfort", "Smart", "Soft"),
    "premium": ("Pro", "Premium", "Ultra", "Signature", "Deluxe", "Elite", "Handcrafted"),
}

CLOTHING_SIZES = ("XS", "S", "M", "L", "XL")
SHOE_SIZES = ("38", "39", "40", "41", "42", "43", "44", "45")
KIDS_SIZES = ("2-3Y", "4-5Y", "6-7Y", "8-9Y", "10-11Y")
FABRIC_COLOURS = ("black", "white", "grey", "navy", "blue", "red", "green", "beige", "pink", "yellow", "brown")

DEPARTMENTS: tuple[Department, ...] = (
    Department(
        "Electronics",
        "EL",
        ("Voltaro", "Nexon", "Brightwave", "Auralis", "Kinetica", "Pixelon", "Orbitek", "Lumio"),
        {
            "Audio": (
                Leaf(
                    "Headphones",
                    "headphones",
                    ("Wireless Headphones", "Over-Ear Headphones", "Noise Cancelling Headphones", "Earbuds"),
                    (
                        "active noise cancelling",
                        "a 30-hour battery",
                        "soft memory-foam ear cushions",
                        "a built-in microphone for calls",
                        "Bluetooth 5.3 pairing",
                    ),
                    ("commuting", "long flights", "working from home", "the gym"),
                    (19, 349),
                    ("plastic", "aluminium", "leather"),
                ),
                Leaf(
                    "Speakers",
                    "speaker",
                    ("Bluetooth Speaker", "Portable Speaker", "Smart Speaker", "Soundbar"),
                    (
                        "deep bass",
                        "a splash-proof body",
                        "12 hours of playback",
                        "voice assistant support",
                        "stereo pairing",
                    ),
                    ("parties", "the kitchen", "the beach", "movie nights"),
                    (25, 399),
                    ("plastic", "aluminium", "wood"),
                ),
            ),
            "Phones & Wearables": (
                Leaf(
                    "Smartphones",
                    "phone",
                    ("Smartphone", "5G Phone", "Android Phone", "Camera Phone"),
                    (
                        "a 6.5-inch OLED screen",
                        "a triple camera",
                        "all-day battery life",
                        "fast charging",
                        "128 GB of storage",
                    ),
                    ("photography", "staying in touch", "streaming on the go"),
                    (129, 1199),
                    ("glass", "aluminium", "plastic"),
                    ("black", "white", "silver", "blue", "gold", "green"),
                ),
                Leaf(
                    "Smartwatches",
                    "watch",
                    ("Smartwatch", "Fitness Tracker", "GPS Watch", "Sport Watch"),
                    (
                        "heart-rate monitoring",
                        "built-in GPS",
                        "sleep tracking",
                        "a week of battery",
                        "water resistance to 50 m",
                    ),
                    ("running", "swimming", "everyday fitness"),
                    (39, 499),
                    ("aluminium", "steel", "rubber"),
                    ("black", "silver", "gold", "pink", "blue"),
                ),
            ),
            "TV & Video": (
                Leaf(
                    "Televisions",
                    "tv",
                    ("4K Smart TV", "LED TV", "OLED Television", "HD TV"),
                    ("4K resolution", "HDR10 support", "built-in streaming apps", "three HDMI ports", "a thin bezel"),
                    ("the living room", "gaming", "sports nights"),
                    (199, 2499),
                    ("plastic", "metal"),
                    ("black", "silver"),
                    ("32-inch", "43-inch", "55-inch", "65-inch"),
                ),
                Leaf(
                    "Remote Controls",
                    "remote",
                    ("Universal Remote", "TV Remote Control", "Slim Remote", "Voice Remote"),
                    (
                        "a slim, thin profile",
                        "backlit buttons",
                        "learning mode for any TV",
                        "a long-range infrared signal",
                        "voice search",
                    ),
                    ("replacing a lost remote", "controlling several devices", "home cinema setups"),
                    (9, 79),
                    ("plastic",),
                    ("black", "grey", "white"),
                ),
            ),
            "Computers": (
                Leaf(
                    "Laptops",
                    "laptop",
                    ("Laptop", "Ultrabook", "Gaming Laptop", "Chromebook", "Notebook"),
                    ("a fast SSD", "16 GB of memory", "a backlit keyboard", "a full-HD display", "a 10-hour battery"),
                    ("students", "office work", "gaming", "travel"),
                    (249, 2299),
                    ("aluminium", "plastic"),
                    ("silver", "grey", "black", "blue"),
                    ("13-inch", "14-inch", "15-inch", "17-inch"),
                ),
                Leaf(
                    "Keyboards & Mice",
                    "keyboard",
                    ("Wireless Keyboard", "Mechanical Keyboard", "Ergonomic Mouse", "Keyboard and Mouse Set"),
                    (
                        "quiet keys",
                        "a rechargeable battery",
                        "an ergonomic shape",
                        "multi-device switching",
                        "RGB backlighting",
                    ),
                    ("home offices", "gaming", "long typing sessions"),
                    (15, 189),
                    ("plastic", "aluminium"),
                ),
            ),
            "": (
                Leaf(
                    "Cameras",
                    "camera",
                    ("Digital Camera", "Mirrorless Camera", "Action Camera", "Instant Camera"),
                    (
                        "a 24-megapixel sensor",
                        "optical image stabilisation",
                        "4K video",
                        "a flip screen",
                        "interchangeable lenses",
                    ),
                    ("travel photos", "vlogging", "family moments"),
                    (89, 1899),
                    ("plastic", "metal"),
                    ("black", "silver", "white"),
                ),
            ),
        },
    ),
    Department(
        "Home & Kitchen",
        "HK",
        ("Hearthly", "Casa Nova", "Oakfield", "Brewster", "Lindqvist", "Maison Blanc", "Copperleaf", "Nordhem"),
        {
            "Kitchen": (
                Leaf(
                    "Mugs & Cups",
                    "mug",
                    ("Coffee Mug", "Tea Cup", "Travel Mug", "Espresso Cup Set"),
                    (
                        "a comfortable handle",
                        "dishwasher-safe glaze",
                        "double-wall insulation",
                        "a generous 350 ml size",
                    ),
                    ("morning coffee", "tea breaks", "gifts"),
                    (6, 45),
                    ("ceramic", "glass", "stainless steel"),
                    ("white", "black", "blue", "red", "green", "yellow", "pink"),
                ),
                Leaf(
                    "Cookware",
                    "pan",
                    ("Frying Pan", "Non-Stick Skillet", "Saucepan", "Wok", "Casserole Dish"),
                    ("a non-stick coating", "an induction-ready base", "even heat spread", "an oven-safe handle"),
                    ("everyday cooking", "family dinners", "searing steaks"),
                    (19, 249),
                    ("stainless steel", "aluminium", "ceramic"),
                    ("black", "grey", "red", "silver"),
                ),
                Leaf(
                    "Kettles",
                    "kettle",
                    ("Electric Kettle", "Stovetop Kettle", "Gooseneck Kettle"),
                    ("a rapid boil", "auto shut-off", "a 1.7 litre capacity", "a limescale filter"),
                    ("tea lovers", "pour-over coffee", "busy mornings"),
                    (19, 149),
                    ("stainless steel", "glass", "plastic"),
                    ("silver", "black", "white", "red"),
                ),
            ),
            "Furniture": (
                Leaf(
                    "Chairs",
                    "chair",
                    ("Dining Chair", "Office Chair", "Armchair", "Folding Chair"),
                    ("a padded seat", "solid legs", "an ergonomic backrest", "easy assembly"),
                    ("dining rooms", "home offices", "reading corners"),
                    (39, 499),
                    ("wood", "metal", "plastic"),
                    ("brown", "black", "grey", "beige", "white"),
                ),
                Leaf(
                    "Sofas",
                    "sofa",
                    ("Two-Seater Sofa", "Corner Sofa", "Sofa Bed", "Loveseat"),
                    ("deep cushions", "removable covers", "a sturdy frame", "stain-resistant fabric"),
                    ("small living rooms", "guest rooms", "family evenings"),
                    (299, 1999),
                    ("linen", "leather", "wool"),
                    ("grey", "beige", "blue", "green", "brown"),
                ),
            ),
            "": (
                Leaf(
                    "Lamps",
                    "lamp",
                    ("Table Lamp", "Floor Lamp", "Desk Lamp", "Bedside Lamp"),
                    ("a warm LED bulb", "a dimmable light", "an adjustable arm", "a fabric shade"),
                    ("reading", "bedrooms", "home offices"),
                    (19, 249),
                    ("metal", "ceramic", "wood", "glass"),
                    ("white", "black", "gold", "grey", "green"),
                ),
            ),
        },
    ),
    Department(
        "Sports & Outdoors",
        "SP",
        ("Peakline", "Stridex", "Trailhawk", "Aquaforce", "Summit & Co", "Velocita", "Northpeak", "Kinetix"),
        {
            "Team Sports": (
                Leaf(
                    "Balls",
                    "ball",
                    ("Football", "Basketball", "Volleyball", "Training Ball"),
                    ("a durable stitched cover", "consistent bounce", "an all-weather grip"),
                    ("matches", "training", "the park"),
                    (9, 59),
                    ("rubber", "leather"),
                    ("white", "orange", "yellow", "multicolour"),
                    ("size 3", "size 4", "size 5"),
                    ("adult", "kids", "teen"),
                ),
                Leaf(
                    "Rackets",
                    "racket",
                    ("Tennis Racket", "Badminton Racket", "Squash Racket"),
                    ("a light frame", "a comfortable grip", "a generous sweet spot"),
                    ("beginners", "club players", "weekend games"),
                    (15, 229),
                    ("aluminium", "metal"),
                    ("black", "blue", "red", "yellow"),
                    (),
                    ("adult", "teen", "kids"),
                ),
            ),
            "Outdoor": (
                Leaf(
                    "Tents",
                    "tent",
                    ("Camping Tent", "Backpacking Tent", "Family Tent", "Pop-Up Tent"),
                    ("a waterproof flysheet", "quick pitching", "two vestibules", "a light packed weight"),
                    ("festivals", "hiking trips", "family camping"),
                    (39, 599),
                    ("nylon", "polyester"),
                    ("green", "orange", "blue", "grey"),
                    ("2-person", "3-person", "4-person", "6-person"),
                ),
                Leaf(
                    "Backpacks",
                    "backpack",
                    ("Hiking Backpack", "Daypack", "Travel Backpack", "School Backpack"),
                    ("padded shoulder straps", "a laptop sleeve", "a rain cover", "many pockets"),
                    ("day hikes", "commuting", "school", "travel"),
                    (19, 249),
                    ("nylon", "polyester", "leather"),
                    ("black", "grey", "blue", "green", "red", "orange"),
                    ("20 L", "30 L", "45 L"),
                    ("adult", "teen", "kids"),
                ),
                Leaf(
                    "Bikes",
                    "bike",
                    ("Mountain Bike", "City Bike", "Road Bike", "Kids' Bike"),
                    ("smooth gears", "hydraulic disc brakes", "a lightweight frame", "puncture-resistant tyres"),
                    ("commuting", "trails", "weekend rides"),
                    (149, 1999),
                    ("aluminium", "steel"),
                    ("black", "red", "blue", "white", "green"),
                    ("S", "M", "L"),
                    ("adult", "teen", "kids"),
                ),
            ),
            "Fitness": (
                Leaf(
                    "Water Bottles",
                    "bottle",
                    ("Water Bottle", "Insulated Bottle", "Sports Bottle"),
                    ("keeps drinks cold for 24 hours", "a leak-proof lid", "a BPA-free body"),
                    ("the gym", "hiking", "school"),
                    (8, 45),
                    ("stainless steel", "plastic", "glass"),
                    ("blue", "black", "pink", "green", "white", "purple"),
                    ("500 ml", "750 ml", "1 L"),
                    ("all", "adult", "kids"),
                ),
                Leaf(
                    "Yoga Mats",
                    "mat",
                    ("Yoga Mat", "Exercise Mat", "Travel Yoga Mat"),
                    ("a non-slip surface", "6 mm of cushioning", "a carry strap"),
                    ("yoga", "pilates", "home workouts"),
                    (12, 99),
                    ("rubber", "plastic"),
                    ("purple", "blue", "green", "pink", "black"),
                ),
            ),
        },
    ),
    Department(
        "Men's Fashion",
        "MF",
        ("Harbor & Hale", "Redwood Supply", "Albion", "Greyson", "Urban Fox", "Kestrel", "Mason Row", "Fieldcraft"),
        {
            "Clothing": (
                Leaf(
                    "T-Shirts",
                    "tshirt",
                    ("Crew Neck T-Shirt", "Graphic Tee", "V-Neck T-Shirt", "Striped T-Shirt"),
                    ("soft breathable fabric", "a regular fit", "reinforced seams", "a tag-free collar"),
                    ("everyday wear", "layering", "summer days"),
                    (9, 49),
                    ("cotton", "linen", "polyester"),
                    FABRIC_COLOURS,
                    CLOTHING_SIZES,
                ),
                Leaf(
                    "Jackets",
                    "jacket",
                    ("Rain Jacket", "Denim Jacket", "Puffer Jacket", "Bomber Jacket"),
                    ("a water-repellent shell", "a warm lining", "zip pockets", "a detachable hood"),
                    ("cold mornings", "city walks", "autumn"),
                    (39, 299),
                    ("nylon", "denim", "wool", "leather"),
                    ("black", "navy", "green", "brown", "grey"),
                    CLOTHING_SIZES,
                ),
                Leaf(
                    "Trousers",
                    "trousers",
                    ("Chinos", "Slim Jeans", "Cargo Trousers", "Joggers"),
                    ("a comfortable stretch", "a tapered leg", "deep pockets", "a durable weave"),
                    ("the office", "weekends", "travel"),
                    (19, 129),
                    ("cotton", "denim", "polyester"),
                    ("navy", "black", "beige", "grey", "blue"),
                    ("30", "32", "34", "36"),
                ),
            ),
            "Shoes": (
                Leaf(
                    "Sneakers",
                    "shoe",
                    ("Running Shoes", "Canvas Sneakers", "Trainers", "Walking Shoes"),
                    ("a cushioned sole", "a breathable upper", "good grip", "a lightweight build"),
                    ("running", "walking", "everyday wear"),
                    (29, 189),
                    ("leather", "nylon", "rubber"),
                    ("white", "black", "grey", "blue", "red"),
                    SHOE_SIZES,
                ),
                Leaf(
                    "Boots",
                    "boot",
                    ("Chelsea Boots", "Hiking Boots", "Work Boots", "Winter Boots"),
                    ("waterproof leather", "a warm lining", "a rugged sole", "ankle support"),
                    ("winter", "hiking", "work sites"),
                    (49, 259),
                    ("leather", "rubber"),
                    ("brown", "black", "beige"),
                    SHOE_SIZES,
                ),
            ),
        },
    ),
    Department(
        "Kids & Baby",
        "KB",
        ("Little Sprout", "Tinytoes", "Kidoodle", "Bumble & Bee", "Playnest", "Sunny Days"),
        {
            "": (
                Leaf(
                    "Kids' Clothing",
                    "tshirt",
                    ("Kids' T-Shirt", "Kids' Hoodie", "Kids' Pyjamas", "Kids' Dungarees"),
                    ("soft organic cotton", "easy-on snaps", "reinforced knees", "bright prints"),
                    ("school", "play", "bedtime"),
                    (7, 39),
                    ("cotton", "polyester"),
                    ("yellow", "blue", "pink", "red", "green", "multicolour"),
                    KIDS_SIZES,
                    ("kids",),
                ),
                Leaf(
                    "Kids' Shoes",
                    "shoe",
                    ("Kids' Sneakers", "Kids' Sandals", "Kids' Wellies"),
                    ("hook-and-loop straps", "a flexible sole", "room to grow"),
                    ("school", "the playground", "rainy days"),
                    (14, 59),
                    ("rubber", "leather", "nylon"),
                    ("pink", "blue", "red", "yellow", "green"),
                    ("24", "26", "28", "30", "32"),
                    ("kids",),
                ),
                Leaf(
                    "Baby Bodysuits",
                    "bodysuit",
                    ("Baby Bodysuit", "Baby Romper", "Sleepsuit"),
                    ("popper fastening", "gentle seams", "stretchy organic cotton"),
                    ("newborns", "naps", "gifts for new parents"),
                    (6, 29),
                    ("cotton", "bamboo"),
                    ("white", "yellow", "pink", "blue", "green"),
                    ("0-3M", "3-6M", "6-12M", "12-18M"),
                    ("baby",),
                ),
                Leaf(
                    "Strollers",
                    "stroller",
                    ("Lightweight Stroller", "Pushchair", "Travel System"),
                    ("one-hand folding", "a reclining seat", "all-terrain wheels", "a sun canopy"),
                    ("city walks", "travel", "newborns"),
                    (99, 899),
                    ("aluminium", "polyester"),
                    ("black", "grey", "navy", "beige"),
                    (),
                    ("baby",),
                ),
            ),
        },
    ),
    Department(
        "Toys & Games",
        "TG",
        ("Wonderbox", "Toyzaar", "Brickly", "Funtastic", "Jollyjam", "Meeple & Co"),
        {
            "": (
                Leaf(
                    "Plush Toys",
                    "teddy",
                    ("Teddy Bear", "Plush Bunny", "Cuddly Dog", "Soft Toy"),
                    ("super-soft fur", "safety-stitched eyes", "a machine-washable body"),
                    ("bedtime", "first birthdays", "cuddles"),
                    (8, 49),
                    ("polyester", "cotton"),
                    ("brown", "beige", "white", "pink", "grey"),
                    ("20 cm", "30 cm", "45 cm"),
                    ("kids", "baby", "all"),
                ),
                Leaf(
                    "Toy Cars",
                    "car",
                    ("Toy Car", "Remote Control Car", "Die-Cast Car Set", "Race Car"),
                    ("rubber tyres", "working lights", "a sturdy body", "pull-back action"),
                    ("racing games", "collectors", "birthday gifts"),
                    (5, 129),
                    ("plastic", "metal"),
                    ("red", "blue", "yellow", "green", "black"),
                    (),
                    ("kids",),
                ),
                Leaf(
                    "Building Blocks",
                    "blocks",
                    ("Building Blocks Set", "Construction Bricks", "Wooden Blocks"),
                    ("hundreds of pieces", "a storage box", "colourful bricks that click together"),
                    ("creative play", "STEM learning", "family time"),
                    (12, 149),
                    ("plastic", "wood"),
                    ("multicolour", "red", "blue", "yellow"),
                    (),
                    ("kids", "all"),
                ),
                Leaf(
                    "Board Games",
                    "boardgame",
                    ("Strategy Board Game", "Family Board Game", "Party Game", "Card Game"),
                    ("2 to 6 players", "games in under an hour", "easy-to-learn rules"),
                    ("game nights", "family evenings", "parties"),
                    (12, 79),
                    ("paper", "wood"),
                    ("multicolour", "blue", "red", "green"),
                    (),
                    ("all", "adult", "teen"),
                ),
                Leaf(
                    "Puzzles",
                    "puzzle",
                    ("Jigsaw Puzzle", "3D Puzzle", "Floor Puzzle"),
                    ("1000 pieces", "thick pieces that fit snugly", "a poster of the picture"),
                    ("rainy afternoons", "relaxing", "families"),
                    (9, 49),
                    ("paper", "wood"),
                    ("multicolour", "blue", "green"),
                    ("100 pieces", "500 pieces", "1000 pieces"),
                    ("all", "adult", "kids"),
                ),
            ),
        },
    ),
    Department(
        "Books",
        "BK",
        ("Penbury Press", "Northlight Books", "Quillstone", "Harbourside", "Blue Finch", "Lantern House"),
        {
            "": (
                Leaf(
                    "Fiction",
                    "book",
                    ("Mystery Novel", "Thriller", "Fantasy Novel", "Romance Novel", "Literary Novel"),
                    ("a gripping plot", "unforgettable characters", "a twist you won't see coming"),
                    ("holiday reading", "book clubs", "bedtime reading"),
                    (7, 29),
                    ("paper",),
                    ("blue", "red", "black", "green", "purple"),
                    ("paperback", "hardcover"),
                ),
                Leaf(
                    "Cookbooks",
                    "book",
                    ("Vegetarian Cookbook", "Baking Book", "Quick Dinners Cookbook", "Italian Cookbook"),
                    ("over 100 recipes", "step-by-step photos", "weeknight meals in 30 minutes"),
                    ("home cooks", "beginners", "gifts"),
                    (12, 39),
                    ("paper",),
                    ("yellow", "orange", "red", "green"),
                    ("hardcover", "paperback"),
                ),
                Leaf(
                    "Children's Books",
                    "book",
                    ("Picture Book", "Bedtime Stories", "First Words Book", "Activity Book"),
                    ("bright illustrations", "sturdy pages", "rhyming text"),
                    ("bedtime", "early readers", "gifts"),
                    (5, 19),
                    ("paper",),
                    ("yellow", "pink", "blue", "green"),
                    ("board book", "paperback"),
                    ("kids", "baby"),
                ),
                Leaf(
                    "Science & Nature",
                    "book",
                    ("Popular Science Book", "Field Guide", "Astronomy Guide", "Nature Atlas"),
                    ("clear explanations", "beautiful photographs", "the latest research"),
                    ("curious minds", "students", "nature lovers"),
                    (9, 45),
                    ("paper",),
                    ("blue", "green", "black", "navy"),
                    ("paperback", "hardcover"),
                    ("adult", "teen"),
                ),
                Leaf(
                    "Travel Guides",
                    "book",
                    ("City Guide", "Road Trip Guide", "Hiking Guide", "Phrasebook"),
                    ("fold-out maps", "insider tips", "itineraries for every budget"),
                    ("trip planning", "backpackers", "weekend breaks"),
                    (8, 32),
                    ("paper",),
                    ("orange", "blue", "green", "red"),
                    ("paperback",),
                ),
            ),
        },
    ),
    Department(
        "Beauty & Personal Care",
        "BP",
        ("Lumière", "Pure Petal", "Velvetine", "Oasis Skin", "Glowcraft", "Norda"),
        {
            "Fragrance & Skin": (
                Leaf(
                    "Perfume",
                    "perfume",
                    ("Eau de Parfum", "Eau de Toilette", "Body Mist"),
                    ("floral notes", "a long-lasting scent", "a refillable bottle"),
                    ("evenings out", "gifts", "everyday wear"),
                    (15, 149),
                    ("glass",),
                    ("pink", "gold", "purple", "white", "black"),
                    ("30 ml", "50 ml", "100 ml"),
                ),
                Leaf(
                    "Skincare",
                    "jar",
                    ("Moisturiser", "Night Cream", "Face Serum", "Sunscreen"),
                    ("hyaluronic acid", "a fragrance-free formula", "SPF 30 protection", "vegan ingredients"),
                    ("dry skin", "sensitive skin", "daily routines"),
                    (8, 89),
                    ("glass", "plastic"),
                    ("white", "pink", "beige", "green"),
                    ("50 ml", "100 ml"),
                ),
                Leaf(
                    "Lipstick & Makeup",
                    "lipstick",
                    ("Matte Lipstick", "Lip Gloss", "Mascara", "Foundation"),
                    ("a long-wearing finish", "rich pigment", "a nourishing formula"),
                    ("everyday looks", "special occasions", "gifts"),
                    (6, 49),
                    ("plastic", "metal"),
                    ("red", "pink", "purple", "brown", "beige"),
                ),
            ),
            "Grooming": (
                Leaf(
                    "Hair Dryers",
                    "hairdryer",
                    ("Hair Dryer", "Travel Hair Dryer", "Ionic Hair Dryer"),
                    ("ionic technology", "three heat settings", "a cool-shot button", "a concentrator nozzle"),
                    ("quick styling", "travel", "thick hair"),
                    (19, 299),
                    ("plastic",),
                    ("black", "white", "pink", "purple"),
                ),
                Leaf(
                    "Toothbrushes",
                    "toothbrush",
                    ("Electric Toothbrush", "Sonic Toothbrush", "Kids' Toothbrush"),
                    ("a two-minute timer", "soft bristles", "a long-lasting battery"),
                    ("daily care", "sensitive gums", "travel"),
                    (5, 149),
                    ("plastic",),
                    ("white", "blue", "pink", "black", "green"),
                    (),
                    ("adult", "kids"),
                ),
            ),
        },
    ),
    Department(
        "Garden & DIY",
        "GD",
        ("Greenthumb", "Ironroot", "Bramble & Birch", "ToolSmith", "Hedgerow", "Forgewell"),
        {
            "Garden": (
                Leaf(
                    "Plants",
                    "plant",
                    ("Potted Plant", "Succulent", "Monstera", "Herb Garden Kit"),
                    ("easy care", "air-purifying leaves", "a decorative pot"),
                    ("windowsills", "offices", "beginner gardeners"),
                    (8, 79),
                    ("ceramic", "plastic"),
                    ("green",),
                    ("small", "medium", "large"),
                ),
                Leaf(
                    "Plant Pots",
                    "pot",
                    ("Plant Pot", "Planter", "Hanging Basket", "Window Box"),
                    ("a drainage hole", "a frost-proof finish", "a matching saucer"),
                    ("balconies", "patios", "houseplants"),
                    (6, 69),
                    ("ceramic", "plastic", "wood"),
                    ("white", "grey", "green", "brown", "beige", "black"),
                ),
            ),
            "Tools": (
                Leaf(
                    "Power Drills",
                    "drill",
                    ("Cordless Drill", "Hammer Drill", "Impact Driver", "Drill Driver Set"),
                    ("two 18 V batteries", "a keyless chuck", "an LED work light", "variable speed"),
                    ("DIY projects", "furniture assembly", "renovations"),
                    (39, 299),
                    ("plastic", "metal"),
                    ("yellow", "blue", "green", "red", "black"),
                ),
                Leaf(
                    "Hand Tools",
                    "hammer",
                    ("Claw Hammer", "Screwdriver Set", "Adjustable Wrench", "Tool Kit"),
                    ("a forged steel head", "a non-slip grip", "a storage case"),
                    ("home repairs", "workshops", "first homes"),
                    (7, 119),
                    ("steel", "wood"),
                    ("red", "black", "orange", "blue"),
                ),
            ),
        },
    ),
)

WOMENS_CLOTHING = Department(
    "Women's Clothing",
    "WC",
    ("Maison Elle", "Ivy & Rose", "Sable", "Coastline", "Juniper Lane", "Odette", "Saffron", "Willow Grey"),
)

# The data set's class names → (leaf category, picture, price range).
CLOTHING_CLASSES = {
    "Dresses": ("Dresses", "dress", (49, 229)),
    "Knits": ("Knits", "tshirt", (29, 118)),
    "Blouses": ("Blouses", "tshirt", (39, 138)),
    "Sweaters": ("Sweaters", "jacket", (49, 198)),
    "Pants": ("Trousers", "trousers", (49, 168)),
    "Jeans": ("Jeans", "trousers", (59, 198)),
    "Fine gauge": ("Fine Gauge Knits", "tshirt", (49, 158)),
    "Skirts": ("Skirts", "skirt", (39, 148)),
    "Jackets": ("Jackets", "jacket", (79, 298)),
    "Outerwear": ("Coats", "jacket", (99, 398)),
    "Shorts": ("Shorts", "trousers", (29, 88)),
    "Lounge": ("Loungewear", "tshirt", (29, 98)),
    "Swim": ("Swimwear", "bodysuit", (39, 128)),
    "Sleep": ("Sleepwear", "tshirt", (29, 98)),
    "Intimates": ("Intimates", "bodysuit", (19, 78)),
    "Legwear": ("Legwear", "trousers", (15, 58)),
    "Layering": ("Layering", "tshirt", (19, 68)),
    "Trend": ("Trend", "dress", (49, 198)),
    "Casual bottoms": ("Trousers", "trousers", (39, 128)),
    "Chemises": ("Sleepwear", "dress", (39, 118)),
}


WEARABLE_SHAPES = frozenset({"tshirt", "jacket", "trousers", "shoe", "boot", "dress", "skirt", "bodysuit"})


def leaf_size_run(*, leaf: Leaf) -> tuple[str, ...]:
    """The sizes each of a leaf's products is sold in (its variants); none for what is not worn: a ball's
    size is the product itself (shop.demo.sizes)."""
    return leaf.sizes if leaf.shape in WEARABLE_SHAPES else ()


def leaves_iter() -> list[tuple[Department, str, Leaf]]:
    return [(dept, group, leaf) for dept in DEPARTMENTS for group, leaves in dept.groups.items() for leaf in leaves]
